//! Reading the table out of a CSV file or a workbook: the `Country | Reports` header found below any
//! title rows (several country/count pairs side by side read pair by pair), notes under the table,
//! rows that do not line up with the header.

use super::*;

pub(super) fn header_matches(spec: &ColumnSpec, cell: &str) -> bool {
    let folded = fold(cell);
    !folded.is_empty()
        && (fold(spec.name) == folded || spec.aliases.iter().any(|a| fold(a) == folded))
}

/// (country column, reports column) pairs of a header row: usually one, several when the table
/// was saved with its columns side by side.
pub(super) fn column_pairs(header: &[String]) -> Vec<(usize, usize)> {
    let countries: Vec<usize> = (0..header.len())
        .filter(|&i| header_matches(&COUNTRY, &header[i]))
        .collect();
    let reports: Vec<usize> = (0..header.len())
        .filter(|&i| header_matches(&REPORTS, &header[i]))
        .collect();
    if countries.len() == 1 && reports.len() == 1 {
        return vec![(countries[0], reports[0])];
    }
    let mut pairs = Vec::new();
    for (k, &c) in countries.iter().enumerate() {
        let next = countries.get(k + 1).copied().unwrap_or(usize::MAX);
        if let Some(&r) = reports.iter().find(|&&r| r > c && r < next) {
            pairs.push((c, r));
        }
    }
    pairs
}

pub(super) fn read_tabular(file: &RawFile, kind: Tabular) -> Result<Parsed> {
    let records: Vec<Record> = kind.rows(file)?.collect::<Result<_>>()?;
    let Some(header_at) = find_header_row(&records, &[COUNTRY, REPORTS]) else {
        return Err(no_header(file, &records));
    };
    let header = &records[header_at];
    let pairs = column_pairs(&header.cells);
    if pairs.is_empty() {
        return Err(PipelineError::layout(
            &file.name,
            FEED,
            format!(
                "at {}: the header has no reports column to the right of its country column",
                header.position
            ),
        ));
    }
    let year_col = header.cells.iter().position(|h| header_matches(&YEAR, h));
    let title = best_title(records[..header_at].iter().flat_map(|r| {
        r.cells
            .iter()
            .filter(|c| !c.trim().is_empty())
            .map(move |c| (&r.position, c.as_str()))
    }));

    let mut rows = Vec::new();
    let mut notes = Vec::new();
    let mut misshapen = Vec::new();
    let shape = RowCheck::new(file, &header.cells);
    let mut total_seen = false;
    for record in &records[header_at + 1..] {
        if record.is_blank() {
            continue;
        }
        let bad = shape.check(record, &record.position);
        // A note under the table (one text cell) is short by nature: it is reported as a note.
        let note = record.cells.iter().filter(|c| !c.trim().is_empty()).count() == 1
            && bad.iter().all(|q| q.value.is_none());
        if !bad.is_empty() && !note {
            misshapen.push(bad);
            continue;
        }
        for &(c, r) in &pairs {
            let name = record.cell(c);
            let count = record.cell(r);
            if name.is_empty() && count.is_empty() {
                continue;
            }
            // A header repeated further down (a table pasted page by page).
            if header_matches(&COUNTRY, name) && header_matches(&REPORTS, count) {
                continue;
            }
            let alone = record
                .cells
                .iter()
                .enumerate()
                .all(|(i, v)| i == c || v.trim().is_empty());
            if count.is_empty()
                && alone
                && classify(name).is_err()
                && (total_seen || name.starts_with('*'))
            {
                notes.push((record.position.clone(), name.to_string()));
                continue;
            }
            if is_total(name) {
                total_seen = true;
            }
            rows.push(RawRow {
                position: record.position.clone(),
                name: name.to_string(),
                count: count.to_string(),
                year: year_col.map(|y| record.cell(y).to_string()),
            });
        }
    }
    if rows.is_empty() {
        return Err(PipelineError::Empty {
            file: file.name.clone(),
            detail: Some(format!(
                "a header at {} and no row under it",
                header.position
            )),
        });
    }
    Ok(Parsed {
        rows,
        title,
        has_year_column: year_col.is_some(),
        notes,
        misshapen,
    })
}

/// The error for a file with no `Country | Reports` header: the missing column, the accepted
/// headers and what the first row that looks like a header holds.
pub(super) fn no_header(file: &RawFile, records: &[Record]) -> PipelineError {
    let candidate = records
        .iter()
        .find(|r| r.cells.iter().filter(|c| !c.trim().is_empty()).count() >= 2)
        .or_else(|| records.iter().find(|r| !r.is_blank()));
    match candidate {
        None => PipelineError::Empty {
            file: file.name.clone(),
            detail: None,
        },
        Some(r) => HeaderMap::new(&file.name, &r.cells, &[COUNTRY, REPORTS])
            .err()
            .unwrap_or_else(|| {
                PipelineError::layout(&file.name, FEED, "no `Country | Reports` header row found")
            }),
    }
}
