//! Column headers. Agencies write the same column many ways: `Année`, `ANNEE`, `annee `, `السنة`,
//! `Year`. Each adapter declares its columns once as [`ColumnSpec`]s with their aliases; headers
//! and aliases are compared after [`fold`]. The header row itself is found by looking for the
//! first row that names every required column, so title rows above a table are skipped.

use unicode_normalization::UnicodeNormalization;

use crate::error::{PipelineError, Result};
use crate::formats::{Cells, Record, Rows, Tabular};
use crate::source::RawFile;

/// Fold text for comparison: NFD, combining marks dropped (French accents, Arabic harakat and
/// hamza above/below), lower case, tatweel removed, `ى`→`ي`, `ة`→`ه`, every run of other
/// characters than letters and digits → one space, trimmed.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    for c in s.nfd() {
        if unicode_normalization::char::is_combining_mark(c) || c == '\u{0640}' {
            continue;
        }
        let c = match c {
            'ى' => 'ي',
            'ة' => 'ه',
            _ => c,
        };
        if c.is_alphanumeric() {
            if space && !out.is_empty() {
                out.push(' ');
            }
            space = false;
            out.extend(c.to_lowercase());
        } else {
            space = true;
        }
    }
    out
}

/// One column an adapter reads: its canonical name and the headers accepted for it.
#[derive(Debug, Clone, Copy)]
pub struct ColumnSpec {
    /// Canonical name (also the staging column name where the value is kept as such).
    pub name: &'static str,
    /// Accepted headers in French, Arabic and English; compared after [`fold`]. The canonical
    /// name is always accepted too.
    pub aliases: &'static [&'static str],
    pub required: bool,
}

impl ColumnSpec {
    pub const fn required(name: &'static str, aliases: &'static [&'static str]) -> Self {
        ColumnSpec {
            name,
            aliases,
            required: true,
        }
    }
    pub const fn optional(name: &'static str, aliases: &'static [&'static str]) -> Self {
        ColumnSpec {
            name,
            aliases,
            required: false,
        }
    }
    fn matches(&self, folded_header: &str) -> bool {
        !folded_header.is_empty()
            && (fold(self.name) == folded_header
                || self.aliases.iter().any(|a| fold(a) == folded_header))
    }
}

/// Where each declared column sits in the file.
#[derive(Debug, Clone)]
pub struct HeaderMap {
    index: Vec<Option<usize>>,
    /// The header row as read (for the row-shape checks of `formats::RowCheck`).
    names: Vec<String>,
}

impl HeaderMap {
    /// Map a header row to the declared columns. A required column that is absent is an error
    /// naming the column, its accepted headers and the headers found.
    pub fn new(file: &str, headers: &[String], specs: &[ColumnSpec]) -> Result<Self> {
        let folded: Vec<String> = headers.iter().map(|h| fold(h)).collect();
        let mut index = Vec::with_capacity(specs.len());
        for spec in specs {
            let found = folded.iter().position(|h| spec.matches(h));
            if found.is_none() && spec.required {
                return Err(PipelineError::MissingColumn {
                    file: file.to_string(),
                    column: spec.name.to_string(),
                    aliases: std::iter::once(spec.name)
                        .chain(spec.aliases.iter().copied())
                        .collect::<Vec<_>>()
                        .join(", "),
                    found: headers
                        .iter()
                        .map(|h| format!("`{}`", h.trim()))
                        .collect::<Vec<_>>()
                        .join(", "),
                });
            }
            index.push(found);
        }
        Ok(HeaderMap {
            index,
            names: headers.to_vec(),
        })
    }

    /// The header row as read.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// Column index of the `i`-th declared column, if the file has it.
    pub fn get(&self, i: usize) -> Option<usize> {
        self.index.get(i).copied().flatten()
    }

    /// The trimmed cell of declared column `i` in `record` (empty if the column is absent).
    pub fn cell<'r, R: Cells>(&self, record: &'r R, i: usize) -> &'r str {
        self.get(i).map(|c| record.cell(c)).unwrap_or("")
    }
}

/// Index of the first of `rows` that names every required column (the header row).
pub fn find_header_row(rows: &[Record], specs: &[ColumnSpec]) -> Option<usize> {
    rows.iter().position(|r| {
        let folded: Vec<String> = r.cells.iter().map(|c| fold(c)).collect();
        specs
            .iter()
            .filter(|s| s.required)
            .all(|s| folded.iter().any(|h| s.matches(h)))
    })
}

/// Rows looked at for the header (title rows sit above it).
pub const HEADER_SCAN: usize = 20;

/// Find the header row among the first [`HEADER_SCAN`] rows (title rows above it are skipped)
/// and map it to `specs`; return the map and the data rows that follow it, still streaming.
/// If no row names every required column, the error is the `MissingColumn` of the row that
/// comes closest (the most declared columns named), so it names what is missing.
pub fn open_table(
    file: &RawFile,
    feed: &str,
    accepted: &[Tabular],
    specs: &[ColumnSpec],
) -> Result<(HeaderMap, Rows)> {
    let mut rows = Tabular::of(file, feed, accepted)?.rows(file)?;
    let mut head: Vec<Record> = Vec::new();
    while head.len() < HEADER_SCAN {
        match rows.next() {
            Some(r) => head.push(r?),
            None => break,
        }
    }
    let at = match find_header_row(&head, specs) {
        Some(at) => at,
        None => {
            let optional: Vec<ColumnSpec> = specs
                .iter()
                .map(|s| ColumnSpec::optional(s.name, s.aliases))
                .collect();
            let named = |r: &Record| {
                HeaderMap::new(&file.name, &r.cells, &optional)
                    .map(|m| (0..specs.len()).filter(|&i| m.get(i).is_some()).count())
                    .unwrap_or(0)
            };
            let closest =
                head.iter()
                    .filter(|r| !r.is_blank())
                    .fold(None::<(&Record, usize)>, |best, r| {
                        let n = named(r);
                        match best {
                            Some((_, m)) if m >= n => best,
                            _ => Some((r, n)),
                        }
                    });
            return match closest {
                Some((r, _)) => {
                    HeaderMap::new(&file.name, &r.cells, specs)?;
                    Err(PipelineError::layout(
                        &file.name,
                        feed,
                        "no header row found",
                    ))
                }
                None => Err(PipelineError::Empty {
                    file: file.name.clone(),
                    detail: Some("no header row".into()),
                }),
            };
        }
    };
    let headers = HeaderMap::new(&file.name, &head[at].cells, specs)?;
    let data: Rows = Box::new(head.into_iter().skip(at + 1).map(Ok).chain(rows));
    Ok((headers, data))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::Position;

    const SPECS: &[ColumnSpec] = &[
        ColumnSpec::required("year", &["année", "السنة"]),
        ColumnSpec::required("cases", &["nombre de cas", "عدد القضايا"]),
        ColumnSpec::optional("note", &["remarque"]),
    ];

    fn rec(cells: &[&str]) -> Record {
        Record {
            position: Position::Line(1),
            cells: cells.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn folding() {
        assert_eq!(
            fold("  Nombre de Personnes_poursuivies "),
            "nombre de personnes poursuivies"
        );
        assert_eq!(fold("ANNÉE"), "annee");
        assert_eq!(
            fold("Classées (affaires closes)"),
            "classees affaires closes"
        );
        assert_eq!(fold("الـسَّنة"), "السنه");
        assert_eq!(fold("أنثى"), fold("انثي"));
    }

    #[test]
    fn maps_french_arabic_and_reports_missing() {
        let m = HeaderMap::new("f.csv", &rec(&["ANNEE", "Nombre  de cas"]).cells, SPECS).unwrap();
        assert_eq!((m.get(0), m.get(1), m.get(2)), (Some(0), Some(1), None));
        let m = HeaderMap::new("f.csv", &rec(&["عدد القضايا", "السنة"]).cells, SPECS).unwrap();
        assert_eq!((m.get(0), m.get(1)), (Some(1), Some(0)));
        let err = HeaderMap::new("f.csv", &rec(&["année", "total"]).cells, SPECS)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("f.csv") && err.contains("`cases`") && err.contains("`total`"),
            "{err}"
        );
    }

    #[test]
    fn header_row_below_a_title() {
        let rows = vec![
            rec(&["Affaires AESE 2021-2024"]),
            rec(&[]),
            rec(&["Année", "Nombre de cas"]),
            rec(&["2021", "19"]),
        ];
        assert_eq!(find_header_row(&rows, SPECS), Some(2));
    }
}
