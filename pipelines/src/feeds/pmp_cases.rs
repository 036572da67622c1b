//! `pmp-cases`: the case-level AESE export of the Présidence du Ministère Public (PMP), one row
//! per case: case reference, court (first instance or appeal), region, year registered,
//! penal-code article(s), victim sex and age, status.
//!
//! - Formats: `.csv` (any delimiter; UTF-8 with or without BOM, or Windows-1256) and `.xlsx`.
//!   Headers and values in French, Arabic or English.
//! - Sample: `data-samples/pmp/pmp-cases-2021-2024.csv`, synthetic (written by
//!   [`crate::synthetic::pmp_cases`]): its yearly totals and status counts equal the published
//!   case table.
//! - Output grain: `staging.pmp_cases`, one row per case.
//!
//! At the door: the case reference is replaced by its keyed token
//! ([`crate::PseudonymKey::token`]) before anything else happens to it, and is never written
//! (not even to quarantine: a duplicate is reported by its token). Only the declared columns are
//! read; names, observations, comments and any other column of the export never leave this file.
//! A second row with the same case reference is quarantined. An empty or "unknown" region, court
//! or age is staged as null; a value that is there but cannot be mapped is quarantined.

use super::records::{lookup, RecordFeed};
use super::{Feed, FeedContext};
use crate::error::Result;
use crate::formats::Tabular;
use crate::normalise::ages::{parse_age, Age};
use crate::normalise::dates::{parse_date, parse_year};
use crate::normalise::regions::parse_region;
use crate::normalise::sex::parse_sex;
use crate::normalise::{fold, ColumnSpec};
use crate::output::{Sink, TableSpec, Value};
use crate::report::FeedReport;
use crate::source::RawFile;

/// Staging table name (`staging.pmp_cases`).
pub const TABLE: &str = marsad_model::tables::names::PMP_CASES;

const REFERENCE: usize = 0;
const COURT: usize = 1;
const REGION: usize = 2;
const YEAR: usize = 3;
const ARTICLES: usize = 4;
const SEX: usize = 5;
const AGE: usize = 6;
const STATUS: usize = 7;

/// The columns read; every other column of the file is ignored.
const COLUMNS: &[ColumnSpec] = &[
    ColumnSpec::required(
        "case_reference",
        &[
            "Référence dossier",
            "Référence du dossier",
            "Référence",
            "N° dossier",
            "N° du dossier",
            "Numéro de dossier",
            "Numéro du dossier",
            "رقم الملف",
            "مرجع الملف",
            "رقم القضية",
            "Case reference",
            "Case ref",
            "Case number",
            "Case id",
        ],
    ),
    ColumnSpec::required(
        "court",
        &[
            "Juridiction",
            "Tribunal",
            "Niveau de juridiction",
            "Degré de juridiction",
            "المحكمة",
            "درجة التقاضي",
            "Court",
            "Court level",
        ],
    ),
    ColumnSpec::optional("region", &["Région", "الجهة", "Region"]),
    ColumnSpec::required(
        "year_registered",
        &[
            "Année d'enregistrement",
            "Année enregistrement",
            "Date d'enregistrement",
            "Date enregistrement",
            "Année",
            "سنة التسجيل",
            "تاريخ التسجيل",
            "السنة",
            "Year registered",
            "Registration year",
            "Registration date",
            "Year",
        ],
    ),
    ColumnSpec::optional(
        "articles",
        &[
            "Articles",
            "Article",
            "Articles du code pénal",
            "Qualification",
            "الفصول",
            "فصول المتابعة",
            "المواد",
            "Penal code articles",
        ],
    ),
    ColumnSpec::optional(
        "victim_sex",
        &[
            "Sexe victime",
            "Sexe de la victime",
            "Sexe",
            "جنس الضحية",
            "الجنس",
            "Victim sex",
            "Sex",
        ],
    ),
    ColumnSpec::optional(
        "victim_age",
        &[
            "Âge victime",
            "Âge de la victime",
            "Âge",
            "سن الضحية",
            "عمر الضحية",
            "السن",
            "Victim age",
            "Age",
        ],
    ),
    ColumnSpec::required(
        "status",
        &[
            "Statut",
            "État",
            "État du dossier",
            "Situation",
            "Suite",
            "الوضعية",
            "وضعية الملف",
            "مآل الملف",
            "Status",
        ],
    ),
];

/// Court levels and the words accepted for them (compared after `fold`).
const COURTS: &[(&str, &[&str])] = &[
    (
        "first_instance",
        &[
            "first_instance",
            "1ère instance",
            "1re instance",
            "première instance",
            "Tribunal de première instance",
            "TPI",
            "المحكمة الابتدائية",
            "ابتدائية",
            "الابتدائية",
            "First instance",
            "Court of first instance",
        ],
    ),
    (
        "appeal",
        &[
            "appeal",
            "appel",
            "Cour d'appel",
            "CA",
            "محكمة الاستئناف",
            "استئنافية",
            "الاستئناف",
            "Court of appeal",
            "Appeal court",
        ],
    ),
];

/// Statuses and the words accepted for them (compared after `fold`); empty reads as unknown.
const STATUSES: &[(&str, &[&str])] = &[
    (
        "prosecuted",
        &[
            "prosecuted",
            "Poursuivi",
            "Poursuivie",
            "Poursuivis",
            "Poursuite",
            "Poursuite engagée",
            "Poursuites engagées",
            "متابعة",
            "متابع",
            "تمت المتابعة",
            "Prosecution",
        ],
    ),
    (
        "under_investigation",
        &[
            "under_investigation",
            "En cours d'enquête",
            "Enquête en cours",
            "En cours d'enquête préliminaire",
            "Enquête",
            "في طور البحث",
            "قيد البحث",
            "Investigation",
        ],
    ),
    (
        "under_instruction",
        &[
            "under_instruction",
            "En cours d'instruction",
            "Instruction en cours",
            "Instruction",
            "في طور التحقيق",
            "قيد التحقيق",
            "Under judicial instruction",
        ],
    ),
    (
        "closed",
        &[
            "closed",
            "Classé",
            "Classée",
            "Classé sans suite",
            "Classement sans suite",
            "Affaire close",
            "الحفظ",
            "حفظ",
            "محفوظ",
            "محفوظة",
            "Closed without further action",
        ],
    ),
    (
        "referred_incompetence",
        &[
            "referred_incompetence",
            "Renvoyé pour incompétence",
            "Renvoyée pour incompétence",
            "Renvoi pour incompétence",
            "Incompétence",
            "الإحالة لعدم الاختصاص",
            "إحالة لعدم الاختصاص",
            "عدم الاختصاص",
            "Referred for lack of jurisdiction",
            "Referred for incompetence",
        ],
    ),
    (
        "unknown",
        &[
            "unknown",
            "Non renseigné",
            "Non renseignée",
            "Inconnu",
            "Inconnue",
            "ND",
            "N/D",
            "NR",
            "غير محدد",
            "غير معروف",
            "Not given",
        ],
    ),
];

/// Words meaning "not given" for region, court and age (compared after `fold`).
const NOT_GIVEN: &[&str] = &[
    "Non renseigné",
    "Non renseignée",
    "Non précisé",
    "Non précisée",
    "Inconnu",
    "Inconnue",
    "ND",
    "N/D",
    "NR",
    "غير محدد",
    "غير محددة",
    "غير معروف",
    "Unknown",
    "Not given",
    "-",
];

/// `staging.pmp_cases`: one row per case.
pub fn tables() -> Vec<TableSpec> {
    vec![marsad_model::tables::pmp_cases()]
}

/// The record-feed skeleton `pmp-cases` fills in.
const FEED: RecordFeed = RecordFeed {
    feed: Feed::PmpCases,
    table: TABLE,
    tables,
    formats: &[Tabular::Csv, Tabular::Xlsx],
    columns: COLUMNS,
    id: REFERENCE,
    id_column: "case_reference",
    id_label: "case reference",
};

/// Read one case-level export into `staging.pmp_cases`. Needs the pseudonymisation key.
pub fn read(file: &RawFile, ctx: &FeedContext, sink: &mut dyn Sink) -> Result<FeedReport> {
    let out = FEED.read(file, ctx, sink, |r| {
        let court = r.check("court", COURT, court_level(r.cell(COURT)));
        let region = r.check("region", REGION, region_code(r.cell(REGION)));
        let year = r.check("year_registered", YEAR, year_registered(r.cell(YEAR)));
        let articles = r.check(
            "articles",
            ARTICLES,
            parse_articles(r.cell(ARTICLES)).map(Value::from),
        );
        let sex = r.check("victim_sex", SEX, parse_sex(r.cell(SEX)).map(Value::from));
        let status = r.check(
            "status",
            STATUS,
            lookup(STATUSES, r.cell(STATUS), "unknown", "status"),
        );
        let (age, band) = match victim_age(r.cell(AGE)) {
            Ok((age, band, _minor)) => (age, band),
            Err(reason) => {
                r.reject("victim_age", AGE, reason);
                (Value::Null, Value::Null)
            }
        };
        let token = r.accept()?;
        Some(vec![
            token.into(),
            court,
            region,
            year,
            articles,
            sex,
            age,
            band,
            status,
        ])
    })?;
    out.finish()
}

/// `first_instance` | `appeal`; empty or "unknown" → null.
fn court_level(cell: &str) -> std::result::Result<Value, String> {
    if not_given(cell) {
        return Ok(Value::Null);
    }
    lookup(COURTS, cell, "", "court")
}

/// Whether a cell says nothing: empty, or a "not given" word.
pub(crate) fn not_given(cell: &str) -> bool {
    let folded = fold(cell);
    folded.is_empty() || NOT_GIVEN.iter().any(|w| fold(w) == folded)
}

/// ISO 3166-2:MA code; empty or "unknown" → null; a name that is no region → quarantine.
fn region_code(cell: &str) -> std::result::Result<Value, String> {
    if not_given(cell) {
        return Ok(Value::Null);
    }
    parse_region(cell).map(|r| r.map(|r| r.code.to_string()).into())
}

/// A year, or a registration date whose year is taken.
fn year_registered(cell: &str) -> std::result::Result<Value, String> {
    match parse_year(cell) {
        Ok(y) => Ok(Value::Int(y as i64)),
        Err(year_reason) => {
            use chrono::Datelike;
            parse_date(cell)
                .map(|d| Value::Int(d.year() as i64))
                .map_err(|_| year_reason)
        }
    }
}

/// Victim age (exact), its standard band and whether the victim is a minor; a band alone
/// gives the band (when it lies in one standard band) and the minor flag; empty → nulls.
pub(crate) fn victim_age(cell: &str) -> std::result::Result<(Value, Value, Value), String> {
    if not_given(cell) {
        return Ok((Value::Null, Value::Null, Value::Null));
    }
    let age = parse_age(cell)?;
    let exact = match age {
        Age::Exact(a) => Value::Int(a as i64),
        _ => Value::Null,
    };
    let band = age.standard_band()?.map(str::to_string);
    Ok((exact, band.into(), age.is_minor().into()))
}

/// Penal-code articles as a normalised list: `art. 503-2, 503-1` → `503-1;503-2`. Separators
/// `,` `;` `/`; prefixes `art.`, `article`, `الفصل`, `المادة` dropped; sorted, duplicates
/// removed; empty → null. Anything that is not an article number is an error.
pub(crate) fn parse_articles(cell: &str) -> std::result::Result<Option<String>, String> {
    const PREFIXES: [&str; 8] = [
        "articles",
        "article",
        "art.",
        "art",
        "الفصول",
        "الفصل",
        "المادة",
        "ف.",
    ];
    let mut list: Vec<Vec<u32>> = Vec::new();
    for part in cell.split([',', ';', '/']) {
        let mut p: String = part
            .trim()
            .to_lowercase()
            .chars()
            .map(|c| match c {
                '\u{2010}'..='\u{2015}' | '\u{2212}' => '-',
                '\u{0660}'..='\u{0669}' => char::from(b'0' + (c as u32 - 0x0660) as u8),
                _ => c,
            })
            .collect();
        for prefix in PREFIXES {
            if let Some(rest) = p.strip_prefix(prefix) {
                p = rest.trim_start_matches([' ', '.', ':']).to_string();
                break;
            }
        }
        let p = p.trim();
        if p.is_empty() {
            continue;
        }
        let numbers: Option<Vec<u32>> = p
            .split('-')
            .map(|n| {
                let n = n.trim();
                (!n.is_empty() && n.len() <= 4 && n.bytes().all(|b| b.is_ascii_digit()))
                    .then(|| n.parse::<u32>().ok())
                    .flatten()
            })
            .collect();
        match numbers {
            Some(n) if !n.is_empty() => list.push(n),
            _ => {
                return Err(format!(
                    "`{}` is not a penal-code article (like 503-1 or art. 503-2)",
                    part.trim()
                ))
            }
        }
    }
    list.sort();
    list.dedup();
    if list.is_empty() {
        return Ok(None);
    }
    Ok(Some(
        list.iter()
            .map(|n| n.iter().map(u32::to_string).collect::<Vec<_>>().join("-"))
            .collect::<Vec<_>>()
            .join(";"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::MemorySink;
    use crate::pseudonym::PseudonymKey;
    use crate::source::ReadRaw;
    use crate::test_support;
    use arrow::array::{Array, StringArray};
    use std::collections::BTreeMap;
    use std::path::Path;

    const SAMPLE: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../data-samples/pmp/pmp-cases-2021-2024.csv"
    );

    fn ctx() -> FeedContext {
        FeedContext {
            key: Some(PseudonymKey::new(b"test-key-0123456789").unwrap()),
            ..FeedContext::default()
        }
    }

    fn ingest(path: &Path) -> Result<(FeedReport, MemorySink)> {
        let raw = RawFile::open(path)?;
        let mut sink = MemorySink::default();
        let report = read(&raw, &ctx(), &mut sink)?;
        Ok((report, sink))
    }

    fn strings(sink: &MemorySink, name: &str) -> Vec<Option<String>> {
        test_support::strings(sink, TABLE, name)
    }

    fn ints(sink: &MemorySink, name: &str) -> Vec<Option<i64>> {
        test_support::ints(sink, TABLE, name)
    }

    #[test]
    fn sample_reproduces_the_published_table() {
        let (report, sink) = ingest(Path::new(SAMPLE)).unwrap();
        assert_eq!(
            (report.rows_staged, report.rows_quarantined),
            (255, 0),
            "{report}"
        );
        let years = ints(&sink, "year_registered");
        let statuses = strings(&sink, "status");
        let mut by_year: BTreeMap<i64, BTreeMap<String, i64>> = BTreeMap::new();
        for (y, s) in years.iter().zip(&statuses) {
            let e = by_year.entry(y.unwrap()).or_default();
            *e.entry("total".into()).or_default() += 1;
            *e.entry(s.clone().unwrap()).or_default() += 1;
        }
        let get = |y: i64, s: &str| by_year[&y].get(s).copied().unwrap_or(0);
        let expect = [
            (2021, [19, 9, 2, 0, 8, 0, 0]),
            (2022, [43, 18, 4, 0, 21, 0, 0]),
            (2023, [109, 24, 27, 0, 57, 0, 1]),
            (2024, [84, 13, 39, 3, 19, 10, 0]),
        ];
        for (y, e) in expect {
            let got = [
                "total",
                "prosecuted",
                "under_investigation",
                "under_instruction",
                "closed",
                "referred_incompetence",
                "unknown",
            ]
            .map(|s| get(y, s));
            assert_eq!(got, e, "{y}");
        }
        // Every region appears, some are unknown; ages are 5–17; some sex unknown.
        let regions = strings(&sink, "region_code");
        for r in 1..=12 {
            let code = format!("MA-{r:02}");
            assert!(regions.contains(&Some(code.clone())), "{code}");
        }
        assert!(regions.contains(&None));
        assert!(ints(&sink, "victim_age")
            .iter()
            .all(|a| matches!(a, Some(5..=17))));
        assert!(strings(&sink, "victim_sex").contains(&Some("_U".into())));
        assert!(strings(&sink, "court_level").contains(&Some("appeal".into())));
        assert!(strings(&sink, "articles")
            .iter()
            .flatten()
            .any(|a| a == "503-1;503-2"));
        // Lineage: one case per line after the header (CRLF line ends).
        let positions = strings(&sink, crate::schema::LINEAGE_POSITION);
        assert_eq!(positions[0].as_deref(), Some("line 2"));
        assert_eq!(positions[254].as_deref(), Some("line 256"));
    }

    #[test]
    fn references_are_pseudonymised_and_free_text_dropped() {
        let (_, sink) = ingest(Path::new(SAMPLE)).unwrap();
        let text = std::fs::read_to_string(SAMPLE).unwrap();
        let mut refs = Vec::new();
        let mut notes = Vec::new();
        let mut csv = ::csv::ReaderBuilder::new()
            .delimiter(b';')
            .from_reader(text.as_bytes());
        for row in csv.records() {
            let row = row.unwrap();
            refs.push(row[0].to_string());
            if !row[8].is_empty() {
                notes.push(row[8].to_string());
            }
        }
        assert!(!notes.is_empty());
        let key = PseudonymKey::new(b"test-key-0123456789").unwrap();
        let tokens = strings(&sink, "case_token");
        assert_eq!(tokens[0].as_deref(), Some(key.token(&refs[0]).as_str()));
        let batch = sink.batch(TABLE).unwrap();
        for (i, field) in batch.schema().fields().iter().enumerate() {
            let Some(col) = batch.column(i).as_any().downcast_ref::<StringArray>() else {
                continue;
            };
            for v in col.iter().flatten() {
                assert!(
                    !refs.iter().any(|r| v.contains(r.as_str())),
                    "{}: {v}",
                    field.name()
                );
                assert!(
                    !notes.iter().any(|n| v.contains(n.as_str())),
                    "{}: {v}",
                    field.name()
                );
            }
        }
    }

    #[test]
    fn duplicates_and_bad_values_are_quarantined() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cases.csv");
        std::fs::write(
            &path,
            "Case reference,Court,Region,Year registered,Articles,Victim sex,Victim age,Status,Name\n\
             R-1,TPI,Casablanca-Settat,2023,art. 503-2,F,14,Poursuivi,Someone\n\
             R-1,CA,Souss-Massa,2023,503-1,M,15,Classé,Someone else\n\
             R-2,Cour suprême,,2023,503-x,F,14,en délibéré,\n\
             R-3,محكمة الاستئناف,Inconnue,01/03/2024,503-1 / art 503-2,,,,\n",
        )
        .unwrap();
        let (report, sink) = ingest(&path).unwrap();
        assert_eq!(
            (report.rows_staged, report.rows_quarantined),
            (2, 2),
            "{report}"
        );
        let q = &report.quarantine_sample;
        assert_eq!(
            (q[0].position.as_str(), q[0].column.as_str()),
            ("line 3", "case_reference")
        );
        assert_ne!(q[0].value.as_deref(), Some("R-1"));
        let columns: Vec<&str> = q[1..].iter().map(|q| q.column.as_str()).collect();
        assert_eq!(columns, vec!["court", "articles", "status"]);
        assert!(q[1..].iter().all(|q| q.position == "line 4"));
        assert_eq!(
            strings(&sink, "court_level"),
            vec![Some("first_instance".into()), Some("appeal".into())]
        );
        assert_eq!(
            strings(&sink, "region_code"),
            vec![Some("MA-06".into()), None]
        );
        assert_eq!(ints(&sink, "year_registered"), vec![Some(2023), Some(2024)]);
        assert_eq!(
            strings(&sink, "articles"),
            vec![Some("503-2".into()), Some("503-1;503-2".into())]
        );
        assert_eq!(
            strings(&sink, "status"),
            vec![Some("prosecuted".into()), Some("unknown".into())]
        );
        assert_eq!(strings(&sink, "victim_sex")[1].as_deref(), Some("_U"));
        assert_eq!(ints(&sink, "victim_age"), vec![Some(14), None]);
    }

    #[test]
    fn key_required_and_missing_column_named() {
        let raw = RawFile::open(Path::new(SAMPLE)).unwrap();
        let err = read(&raw, &FeedContext::default(), &mut MemorySink::default())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("pmp-cases") && err.contains("MARSAD_PSEUDONYM_KEY"),
            "{err}"
        );

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nostatus.csv");
        std::fs::write(&path, "Référence dossier;Juridiction;Année\nR-1;TPI;2023\n").unwrap();
        let err = ingest(&path).unwrap_err().to_string();
        assert!(
            err.contains("nostatus.csv") && err.contains("`status`"),
            "{err}"
        );
    }

    #[test]
    fn articles_normalise() {
        assert_eq!(
            parse_articles("Art. 503-1, 503-2").unwrap().as_deref(),
            Some("503-1;503-2")
        );
        assert_eq!(
            parse_articles("503-2/497").unwrap().as_deref(),
            Some("497;503-2")
        );
        assert_eq!(
            parse_articles("art 484 ; art 503-2").unwrap().as_deref(),
            Some("484;503-2")
        );
        assert_eq!(
            parse_articles("الفصل 503-1").unwrap().as_deref(),
            Some("503-1")
        );
        assert_eq!(parse_articles(" ").unwrap(), None);
        assert!(parse_articles("viol").is_err());
    }
}
