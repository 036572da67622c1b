//! Reading a CSV survey file: a first pass checks the design columns and infers the types from
//! the rows that pass, a second stages them.

use super::*;

/// The first non-blank row (the header) and the rows after it.
pub(super) fn header_and_rows(file: &RawFile) -> Result<(Record, Rows)> {
    let mut rows = csv::rows(file)?;
    loop {
        match rows.next() {
            Some(r) => {
                let r = r?;
                if !r.is_blank() {
                    return Ok((r, rows));
                }
            }
            None => {
                return Err(PipelineError::Empty {
                    file: file.name.clone(),
                    detail: None,
                })
            }
        }
    }
}

pub(super) fn read_csv(
    file: &RawFile,
    design: &Design,
    dpath: &Path,
    sink: &mut dyn Sink,
) -> Result<FeedReport> {
    // Pass 1: check the design columns, infer types from the rows that pass.
    let (header, rows) = header_and_rows(file)?;
    let names = column_names(&header.cells);
    let roles = resolve_roles(design, dpath, &file.name, &header.cells, &names)?;
    let kind = design.kind();
    let width = header.cells.len();
    let shape = RowCheck::new(file, &header.cells);
    let mut infer = vec![Infer::default(); width];
    let mut structure = Structure::default();
    let mut respondents = 0u64;
    for record in rows {
        let record = record?;
        if record.is_blank() {
            continue;
        }
        respondents += 1;
        // A row whose cells are not where the header says tells nothing about the types.
        if !shape.check(&record, &record.position).is_empty() {
            continue;
        }
        if let Ok(row) = check_row(&roles, kind, |i| Raw::Text(record.cell(i))) {
            for (i, inf) in infer.iter_mut().enumerate() {
                inf.observe(record.cell(i));
            }
            structure.add(&row);
        }
    }
    if respondents == 0 {
        return Err(PipelineError::Empty {
            file: file.name.clone(),
            detail: Some("a header and no respondent".into()),
        });
    }
    let mut types: Vec<DataType> = infer.iter().map(|i| i.data_type()).collect();
    types[roles.weight] = DataType::Float64;
    for c in [roles.fpc, roles.fpc2].into_iter().flatten() {
        if types[c] == DataType::Utf8 {
            types[c] = DataType::Float64;
        }
    }
    let table = survey_table(design, &roles, &names, &types);

    // Pass 2: stage.
    let mut out = Emitter::new(Feed::HcpSurvey.name(), file, sink)?;
    emit_design(&mut out, design, &roles, &names, &types, &header.position)?;
    let (_, rows) = header_and_rows(file)?;
    for record in rows {
        let record = record?;
        if record.is_blank() {
            continue;
        }
        let at = &record.position;
        let misshapen = shape.check(&record, at);
        if !misshapen.is_empty() {
            out.reject(misshapen)?;
            continue;
        }
        match check_row(&roles, kind, |i| Raw::Text(record.cell(i))) {
            Err(bad) => out.reject(quarantine(at, &names, bad, |i| record.cell(i).to_string()))?,
            Ok(_) => {
                let mut values = Vec::with_capacity(width);
                let mut bad: Vec<QuarantineRow> = Vec::new();
                for (i, t) in types.iter().enumerate() {
                    let v = record.cell(i);
                    let value = if is_missing(v) {
                        Value::Null
                    } else {
                        match t {
                            DataType::Int64 => parse_int(v).map(Value::Int),
                            DataType::Float64 => parse_number(v).ok().map(Value::Float),
                            _ => Some(Value::Str(v.to_string())),
                        }
                        .unwrap_or_else(|| {
                            // Cannot happen: types were inferred from these very values.
                            bad.push(rejected(
                                at,
                                &names[i],
                                Some(v),
                                format!("does not read as {t}"),
                            ));
                            Value::Null
                        })
                    };
                    values.push(value);
                }
                // Cells beyond the header's width have no column: they are not kept.
                if bad.is_empty() {
                    out.row(&table, at, values)?;
                } else {
                    out.reject(bad)?;
                }
            }
        }
    }
    structure.findings(&mut out, design, &roles);
    out.finish()
}
