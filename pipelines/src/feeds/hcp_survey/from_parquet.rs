//! Reading a Parquet survey file: its columns keep their types (mapped to the staging types), the
//! same row checks as CSV, positions `line <n>` with `n` the 1-based row number.

use super::*;

/// The staging type of a Parquet column (`None`: not supported).
pub(super) fn staging_type(t: &DataType) -> Option<DataType> {
    use DataType::*;
    Some(match t {
        Int8 | Int16 | Int32 | Int64 | UInt8 | UInt16 | UInt32 | UInt64 => Int64,
        Float16 | Float32 | Float64 | Decimal32(..) | Decimal64(..) | Decimal128(..)
        | Decimal256(..) => Float64,
        Boolean => Boolean,
        Utf8 | LargeUtf8 | Utf8View => Utf8,
        Dictionary(_, v) if matches!(**v, Utf8 | LargeUtf8 | Utf8View) => Utf8,
        Date32 | Date64 => Date32,
        Timestamp(_, tz) => Timestamp(TimeUnit::Microsecond, tz.clone()),
        Null => Utf8,
        _ => return None,
    })
}

pub(super) fn value_at(array: &ArrayRef, i: usize) -> Value {
    if array.is_null(i) {
        return Value::Null;
    }
    match array.data_type() {
        DataType::Int64 => Value::Int(array.as_primitive::<Int64Type>().value(i)),
        DataType::Float64 => Value::Float(array.as_primitive::<Float64Type>().value(i)),
        DataType::Boolean => Value::Bool(array.as_boolean().value(i)),
        DataType::Utf8 => Value::Str(array.as_string::<i32>().value(i).to_string()),
        DataType::Date32 => {
            let days = array.as_primitive::<Date32Type>().value(i);
            NaiveDate::from_ymd_opt(1970, 1, 1)
                .and_then(|e| e.checked_add_signed(chrono::Duration::days(i64::from(days))))
                .map(Value::Date)
                .unwrap_or(Value::Null)
        }
        DataType::Timestamp(TimeUnit::Microsecond, _) => {
            Value::Timestamp(array.as_primitive::<TimestampMicrosecondType>().value(i))
        }
        _ => Value::Null,
    }
}

pub(super) fn read_parquet(
    file: &RawFile,
    design: &Design,
    dpath: &Path,
    sink: &mut dyn Sink,
) -> Result<FeedReport> {
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    let io = |cause| PipelineError::Io {
        file: file.name.clone(),
        cause,
    };
    let handle = std::fs::File::open(&file.path).map_err(io)?;
    let builder = ParquetRecordBatchReaderBuilder::try_new(handle)
        .map_err(|e| PipelineError::parse(&file.name, "the Parquet footer", e))?;
    let source = builder.schema().clone();
    let headers: Vec<String> = source.fields().iter().map(|f| f.name().clone()).collect();
    let names = column_names(&headers);
    let roles = resolve_roles(design, dpath, &file.name, &headers, &names)?;
    let kind = design.kind();
    // Read types: the staging types, except that string design numbers stay strings until
    // checked row by row.
    let mut read_types = Vec::with_capacity(headers.len());
    for f in source.fields() {
        let t = staging_type(f.data_type()).ok_or_else(|| {
            PipelineError::layout(
                &file.name,
                Feed::HcpSurvey.name(),
                format!("column `{}` has the Parquet type {}, which survey staging does not take (numbers, strings, booleans, dates, timestamps)", f.name(), f.data_type()),
            )
        })?;
        read_types.push(t);
    }
    let mut types = read_types.clone();
    types[roles.weight] = DataType::Float64;
    for c in [roles.fpc, roles.fpc2].into_iter().flatten() {
        if types[c] == DataType::Utf8 {
            types[c] = DataType::Float64;
        }
    }
    let table = survey_table(design, &roles, &names, &types);
    let reader = builder
        .with_batch_size(8_192)
        .build()
        .map_err(|e| PipelineError::parse(&file.name, "the Parquet row groups", e))?;

    let mut out = Emitter::new(Feed::HcpSurvey.name(), file, sink)?;
    emit_design(&mut out, design, &roles, &names, &types, &Position::Line(1))?;
    let mut structure = Structure::default();
    let options = CastOptions {
        safe: false,
        ..Default::default()
    };
    let mut row_number = 0u64;
    for batch in reader {
        let batch = batch
            .map_err(|e| PipelineError::parse(&file.name, format!("row {}", row_number + 1), e))?;
        let columns: Vec<ArrayRef> = batch
            .columns()
            .iter()
            .zip(&read_types)
            .map(|(a, t)| {
                cast_with_options(a, t, &options).map_err(|e| {
                    PipelineError::parse(&file.name, format!("rows from {}", row_number + 1), e)
                })
            })
            .collect::<Result<_>>()?;
        for r in 0..batch.num_rows() {
            row_number += 1;
            let at = Position::Line(row_number);
            let mut values: Vec<Value> = columns.iter().map(|a| value_at(a, r)).collect();
            match check_row(&roles, kind, |i| Raw::Val(&values[i])) {
                Err(bad) => {
                    let shown: Vec<String> = values.iter().map(display).collect();
                    out.reject(quarantine(&at, &names, bad, |i| shown[i].clone()))?
                }
                Ok(row) => {
                    structure.add(&row);
                    // Design numbers that arrived as strings are staged as numbers.
                    for c in [Some(roles.weight), roles.fpc, roles.fpc2]
                        .into_iter()
                        .flatten()
                    {
                        if types[c] == DataType::Float64 {
                            let v = std::mem::replace(&mut values[c], Value::Null);
                            values[c] = match Raw::Val(&v).number() {
                                Ok(x) => Value::Float(x),
                                Err(_) => Value::Null,
                            };
                        }
                    }
                    out.row(&table, &at, values)?;
                }
            }
        }
    }
    if row_number == 0 {
        return Err(PipelineError::Empty {
            file: file.name.clone(),
            detail: Some("no respondent".into()),
        });
    }
    structure.findings(&mut out, design, &roles);
    out.finish()
}
