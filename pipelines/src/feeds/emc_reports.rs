//! `emc-reports`: reports received by the national reporting portal of the Espace Maroc
//! Cyberconfiance (EMC Helpline, CMRPI), one row per report: report id, time received,
//! category, platform, victim age or age band, reporter sex, status, whether it was forwarded to
//! the platform.
//!
//! - Formats: `.csv` (any delimiter; UTF-8 with or without BOM, or Windows-1256) and JSON Lines
//!   (`.jsonl`, keys as headers). Headers and values in French, Arabic or English.
//! - Samples: `data-samples/emc/emc-reports-2021-2022.csv` (French export) and
//!   `emc-reports-2023-2024.jsonl` (JSON export), synthetic (written by
//!   [`crate::synthetic::emc_reports`]): they reproduce EMC's published yearly counts and age and
//!   sex shares.
//! - Output grain: `staging.emc_reports`, one row per report.
//!
//! At the door: the report id is replaced by its keyed token and never written (a duplicate is
//! quarantined under its token). Only the declared columns are read; descriptions, URLs, names
//! or any other column never leave this file.
//! Rule `emc.shares_add_up`: per year, the shares of the staged reports by age band and by
//! reporter sex (unknown counted as a category of its own) add up to 100; the finding lists the
//! shares, so a steward can hold them against what EMC published.

use std::collections::BTreeMap;

use chrono::Datelike;

use super::pmp_cases::{not_given, victim_age};
use super::records::{lookup, RecordFeed};
use super::{Feed, FeedContext};
use crate::error::Result;
use crate::format;
use crate::formats::Tabular;
use crate::normalise::dates::{parse_date, parse_timestamp};
use crate::normalise::labels;
use crate::normalise::sex::parse_sex;
use crate::normalise::ColumnSpec;
use crate::output::{Emitter, Sink, TableSpec, Value};
use crate::report::{FeedReport, Severity};
use crate::source::RawFile;

/// Staging table name (`staging.emc_reports`).
pub const TABLE: &str = marsad_model::tables::names::EMC_REPORTS;

const ID: usize = 0;
const RECEIVED: usize = 1;
const CATEGORY: usize = 2;
const PLATFORM: usize = 3;
const AGE: usize = 4;
const AGE_BAND: usize = 5;
const SEX: usize = 6;
const STATUS: usize = 7;
const FORWARDED: usize = 8;

/// The columns read; every other column of the file is ignored.
const COLUMNS: &[ColumnSpec] = &[
    ColumnSpec::required(
        "report_id",
        &[
            "N° signalement",
            "Numéro de signalement",
            "Numéro du signalement",
            "Référence signalement",
            "Identifiant",
            "ID signalement",
            "رقم البلاغ",
            "مرجع البلاغ",
            "معرف البلاغ",
            "Report id",
            "Report number",
            "Id",
        ],
    ),
    ColumnSpec::required(
        "received_at",
        &[
            "Date de réception",
            "Date et heure de réception",
            "Reçu le",
            "Date",
            "تاريخ التوصل",
            "تاريخ الاستلام",
            "تاريخ البلاغ",
            "Received at",
            "Received",
            "Date received",
        ],
    ),
    ColumnSpec::required(
        "category",
        &[
            "Catégorie",
            "Type de signalement",
            "Nature du signalement",
            "Type",
            "الفئة",
            "نوع البلاغ",
            "طبيعة البلاغ",
            "Category",
            "Report type",
        ],
    ),
    ColumnSpec::optional(
        "platform",
        &["Plateforme", "Réseau social", "المنصة", "Platform"],
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
    ColumnSpec::optional(
        "victim_age_band",
        &[
            "Tranche d'âge",
            "Tranche d'âge victime",
            "الفئة العمرية",
            "Age band",
            "Victim age band",
            "Age group",
        ],
    ),
    ColumnSpec::optional(
        "reporter_sex",
        &[
            "Sexe déclarant",
            "Sexe du déclarant",
            "Genre du déclarant",
            "Sexe",
            "Genre",
            "جنس المبلغ",
            "الجنس",
            "Reporter sex",
            "Reporter gender",
            "Sex",
            "Gender",
        ],
    ),
    ColumnSpec::optional(
        "status",
        &["Statut", "État", "الوضعية", "حالة البلاغ", "Status"],
    ),
    ColumnSpec::optional(
        "forwarded_to_platform",
        &[
            "Transmis à la plateforme",
            "Transmis",
            "Signalé à la plateforme",
            "أحيل على المنصة",
            "الإحالة على المنصة",
            "Forwarded to platform",
            "Forwarded",
        ],
    ),
];

/// EMC report categories: a conformed code list, in the model (`dim_offence` reads it too).
pub use marsad_model::codes::offences::CATEGORIES;

const STATUSES: &[(&str, &[&str])] = &[
    (
        "processed",
        &[
            "processed",
            "Traité",
            "Traitée",
            "Clôturé",
            "Clôturée",
            "معالج",
            "تمت المعالجة",
            "Handled",
            "Done",
        ],
    ),
    (
        "archived",
        &[
            "archived",
            "Archivé",
            "Archivée",
            "مؤرشف",
            "تمت الأرشفة",
            "Archive",
        ],
    ),
];

/// `staging.emc_reports`: one row per report.
pub fn tables() -> Vec<TableSpec> {
    vec![marsad_model::tables::emc_reports()]
}

/// Per-year tallies for `emc.shares_add_up`.
#[derive(Default)]
struct YearTally {
    reports: u64,
    age_bands: BTreeMap<String, u64>,
    sexes: BTreeMap<String, u64>,
}

/// The record-feed skeleton `emc-reports` fills in.
const FEED: RecordFeed = RecordFeed {
    feed: Feed::EmcReports,
    table: TABLE,
    tables,
    formats: &[Tabular::Csv, Tabular::JsonLines],
    columns: COLUMNS,
    id: ID,
    id_column: "report_id",
    id_label: "report id",
};

/// Read one export of EMC reports into `staging.emc_reports`. Needs the pseudonymisation key.
pub fn read(file: &RawFile, ctx: &FeedContext, sink: &mut dyn Sink) -> Result<FeedReport> {
    let mut tally: BTreeMap<i64, YearTally> = BTreeMap::new();
    let mut out = FEED.read(file, ctx, sink, |r| {
        let received = match received(r.cell(RECEIVED)) {
            Ok(t) => Some(t),
            Err(reason) => {
                r.reject("received_at", RECEIVED, reason);
                None
            }
        };
        let category = r.check(
            "category",
            CATEGORY,
            lookup(CATEGORIES, r.cell(CATEGORY), "", "category"),
        );
        let sex = r.check("reporter_sex", SEX, parse_sex(r.cell(SEX)).map(Value::from));
        let status = r.check("status", STATUS, status(r.cell(STATUS)));
        let forwarded = r.check(
            "forwarded_to_platform",
            FORWARDED,
            yes_no(r.cell(FORWARDED)).map(Value::from),
        );
        let (age_at, age_column) = if not_given(r.cell(AGE)) && r.has(AGE_BAND) {
            (AGE_BAND, "victim_age_band")
        } else {
            (AGE, "victim_age")
        };
        let (age, band, minor) = match victim_age(r.cell(age_at)) {
            Ok(triple) => triple,
            Err(reason) => {
                r.reject(age_column, age_at, reason);
                (Value::Null, Value::Null, Value::Null)
            }
        };

        let (Some(token), Some((micros, year))) = (r.accept(), received) else {
            return None;
        };
        let t = tally.entry(year).or_default();
        t.reports += 1;
        let band_key = match &band {
            Value::Str(b) => b.clone(),
            _ => "unknown".to_string(),
        };
        *t.age_bands.entry(band_key).or_default() += 1;
        let sex_key = match &sex {
            Value::Str(s) => s.clone(),
            _ => "_U".to_string(),
        };
        *t.sexes.entry(sex_key).or_default() += 1;
        Some(vec![
            token.into(),
            Value::Timestamp(micros),
            Value::Int(year),
            category,
            platform(r.cell(PLATFORM)),
            age,
            band,
            minor,
            sex,
            status,
            forwarded,
        ])
    })?;
    shares_add_up(&mut out, &tally);
    out.finish()
}

/// The time received (microseconds since the epoch, UTC) and the year of the date as written
/// (Morocco's calendar year: `01/01/2023 00:30` is a 2023 report although it is 2022 in UTC).
fn received(cell: &str) -> std::result::Result<(i64, i64), String> {
    if cell.trim().is_empty() {
        return Err("no time of reception".into());
    }
    let micros = parse_timestamp(cell)?;
    let date = parse_date(cell)?;
    Ok((micros, date.year() as i64))
}

/// `processed` | `archived`; empty → null.
fn status(cell: &str) -> std::result::Result<Value, String> {
    if not_given(cell) {
        return Ok(Value::Null);
    }
    lookup(STATUSES, cell, "", "status")
}

/// Lower case, trimmed; empty → null.
fn platform(cell: &str) -> Value {
    let p = cell.trim().to_lowercase();
    if p.is_empty() || not_given(&p) {
        Value::Null
    } else {
        Value::Str(p)
    }
}

/// Yes/no in French, English, Arabic, or as true/false, 1/0; empty → null.
fn yes_no(cell: &str) -> std::result::Result<Option<bool>, String> {
    labels::parse_yes_no(cell)
}

/// `emc.shares_add_up`: per year, the age-band shares and the reporter-sex shares of the
/// staged reports (unknown a category of its own) add up to 100. `Info` when they do, with the
/// shares; `Warning` otherwise (which would be a bug in the tally).
fn shares_add_up(out: &mut Emitter, tally: &BTreeMap<i64, YearTally>) {
    for (year, t) in tally {
        // Shares are printed by the one rounding rule; the sums are checked on the counts.
        let share = |v: u64| format::percent(v, t.reports, 1).map(|p| p.to_string());
        let shares = |m: &BTreeMap<String, u64>| {
            let parts: Vec<String> = m
                .iter()
                .map(|(k, v)| format!("{k} {}%", share(*v).unwrap_or_default()))
                .collect();
            let sum: u64 = m.values().sum();
            (parts.join(", "), sum)
        };
        let (ages, age_sum) = shares(&t.age_bands);
        let (sexes, sex_sum) = shares(&t.sexes);
        let ok = age_sum == t.reports && sex_sum == t.reports;
        let (age_sum, sex_sum) = (
            share(age_sum).unwrap_or_default(),
            share(sex_sum).unwrap_or_default(),
        );
        out.finding(
            "emc.shares_add_up",
            if ok { Severity::Info } else { Severity::Warning },
            Some(format!("year {year}")),
            format!(
                "{year}: {} reports; age band {ages} (sum {age_sum}%); reporter sex {sexes} (sum {sex_sum}%)",
                t.reports
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::MemorySink;
    use crate::pseudonym::PseudonymKey;
    use crate::source::ReadRaw;
    use crate::test_support::{all, column, ints, strings};
    use arrow::array::{Array, BooleanArray, StringArray};
    use std::path::Path;

    const SAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../data-samples/emc/");

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

    struct Rows {
        year: Vec<i64>,
        age: Vec<Option<i64>>,
        band: Vec<Option<String>>,
        minor: Vec<Option<bool>>,
        sex: Vec<String>,
    }

    fn rows(sink: &MemorySink) -> Rows {
        let b = sink.batch(TABLE).unwrap();
        let minor = column::<BooleanArray>(&b, "victim_minor");
        Rows {
            year: all(ints(sink, TABLE, "year")),
            age: ints(sink, TABLE, "victim_age"),
            band: strings(sink, TABLE, "victim_age_band"),
            minor: minor.iter().collect(),
            sex: strings(sink, TABLE, "reporter_sex")
                .into_iter()
                .map(Option::unwrap_or_default)
                .collect(),
        }
    }

    fn share(part: usize, whole: usize) -> f64 {
        part as f64 * 100.0 / whole as f64
    }

    fn close(got: f64, published: f64, what: &str) {
        assert!(
            (got - published).abs() <= 0.1,
            "{what}: {got:.2} vs published {published}"
        );
    }

    #[test]
    fn csv_2021_2022_reproduces_counts_and_shares() {
        let (report, sink) = ingest(&Path::new(SAMPLES).join("emc-reports-2021-2022.csv")).unwrap();
        assert_eq!(report.rows_quarantined, 0, "{report}");
        let r = rows(&sink);
        let n = |y: i64| r.year.iter().filter(|&&x| x == y).count();
        assert_eq!((n(2021), n(2022)), (64, 537));
        let in22: Vec<usize> = (0..r.year.len()).filter(|&i| r.year[i] == 2022).collect();
        let young = in22
            .iter()
            .filter(|&&i| matches!(r.age[i], Some(a) if a <= 16))
            .count();
        let older = in22
            .iter()
            .filter(|&&i| matches!(r.age[i], Some(a) if a > 16))
            .count();
        close(share(young, 537), 19.0, "2022 aged 16 or under");
        close(share(older, 537), 81.0, "2022 over 16");
        let m = in22.iter().filter(|&&i| r.sex[i] == "M").count();
        let f = in22.iter().filter(|&&i| r.sex[i] == "F").count();
        close(share(m, 537), 64.68, "2022 M");
        close(share(f, 537), 35.32, "2022 F");
        // 2021 has some unknown age and sex.
        let in21: Vec<usize> = (0..r.year.len()).filter(|&i| r.year[i] == 2021).collect();
        assert!(in21
            .iter()
            .any(|&i| r.age[i].is_none() && r.minor[i].is_none()));
        assert!(in21.iter().any(|&i| r.sex[i] == "_U"));
        let info: Vec<_> = report
            .findings
            .iter()
            .filter(|f| f.rule == "emc.shares_add_up")
            .collect();
        assert_eq!(info.len(), 2, "{report}");
        assert!(
            info.iter().all(|f| f.severity == Severity::Info),
            "{report}"
        );
    }

    #[test]
    fn jsonl_2023_2024_reproduces_counts_and_shares() {
        let (report, sink) =
            ingest(&Path::new(SAMPLES).join("emc-reports-2023-2024.jsonl")).unwrap();
        assert_eq!(report.rows_quarantined, 0, "{report}");
        let r = rows(&sink);
        let published = [
            (
                2023,
                1227,
                [
                    ("18-25", 49.3),
                    ("26+", 39.7),
                    ("13-17", 7.9),
                    ("5-12", 3.2),
                ],
                (54.4, 45.6),
            ),
            (
                2024,
                574,
                [
                    ("26+", 52.1),
                    ("13-17", 22.4),
                    ("18-25", 22.1),
                    ("5-12", 3.4),
                ],
                (30.0, 70.0),
            ),
        ];
        for (year, count, bands, (pm, pf)) in published {
            let idx: Vec<usize> = (0..r.year.len()).filter(|&i| r.year[i] == year).collect();
            assert_eq!(idx.len(), count, "{year}");
            for (band, p) in bands {
                let k = idx
                    .iter()
                    .filter(|&&i| r.band[i].as_deref() == Some(band))
                    .count();
                close(share(k, count), p, &format!("{year} {band}"));
            }
            let m = idx.iter().filter(|&&i| r.sex[i] == "M").count();
            let f = idx.iter().filter(|&&i| r.sex[i] == "F").count();
            close(share(m, count), pm, &format!("{year} M"));
            close(share(f, count), pf, &format!("{year} F"));
            // Exact ages and band strings are mixed; minors follow the band.
            assert!(idx.iter().any(|&i| r.age[i].is_some()));
            assert!(idx
                .iter()
                .any(|&i| r.age[i].is_none() && r.band[i].is_some()));
            for &i in &idx {
                let minor = matches!(r.band[i].as_deref(), Some("5-12" | "13-17"));
                assert_eq!(r.minor[i], Some(minor), "{year} row {i}");
            }
        }
        assert!(report
            .findings
            .iter()
            .any(|f| f.severity == Severity::Info && f.message.starts_with("2023: 1227 reports")));
    }

    #[test]
    fn ids_are_pseudonymised() {
        for name in ["emc-reports-2021-2022.csv", "emc-reports-2023-2024.jsonl"] {
            let path = Path::new(SAMPLES).join(name);
            let (_, sink) = ingest(&path).unwrap();
            assert!(std::fs::read_to_string(&path).unwrap().contains("EMC20"));
            let batch = sink.batch(TABLE).unwrap();
            let tokens = column::<StringArray>(&batch, "report_token");
            let key = PseudonymKey::new(b"test-key-0123456789").unwrap();
            assert_eq!(
                tokens.value(0),
                key.token(&format!(
                    "EMC{}-00001",
                    if name.ends_with("csv") { 2021 } else { 2023 }
                ))
            );
            for (i, f) in batch.schema().fields().iter().enumerate() {
                let Some(col) = batch.column(i).as_any().downcast_ref::<StringArray>() else {
                    continue;
                };
                for v in col.iter().flatten() {
                    assert!(!v.contains("EMC20"), "{}: {v}", f.name());
                }
            }
        }
    }

    #[test]
    fn bad_values_duplicates_and_arabic() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.csv");
        std::fs::write(
            &path,
            "رقم البلاغ;تاريخ التوصل;الفئة;المنصة;سن الضحية;جنس المبلغ;الوضعية;أحيل على المنصة;Description\n\
             A-1;2023-05-02T10:00:00+01:00;ابتزاز جنسي; TikTok ;15;أنثى;Traité;نعم;long text\n\
             A-1;2023-05-02T11:00:00+01:00;Autre;;30;M;Archivé;لا;\n\
             A-2;pas de date;Phishing;;200;M;Traité;peut-être;\n\
             A-3;2024-01-10T09:00:00+01:00;Sextorsion;;18-25;;;;\n",
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
            ("line 3", "report_id")
        );
        assert_ne!(q[0].value.as_deref(), Some("A-1"));
        let cols: Vec<&str> = q[1..].iter().map(|q| q.column.as_str()).collect();
        assert_eq!(
            cols,
            vec![
                "received_at",
                "category",
                "forwarded_to_platform",
                "victim_age"
            ]
        );
        let r = rows(&sink);
        assert_eq!(r.year, vec![2023, 2024]);
        assert_eq!(r.sex, vec!["F".to_string(), "_U".to_string()]);
        assert_eq!(r.band[1].as_deref(), Some("18-25"));
        assert_eq!(r.minor, vec![Some(true), Some(false)]);
        let b = sink.batch(TABLE).unwrap();
        let platform = column::<StringArray>(&b, "platform");
        assert_eq!(platform.value(0), "tiktok");
        assert!(platform.is_null(1));
        let category = column::<StringArray>(&b, "category");
        assert_eq!(category.value(0), "sextortion");
    }

    #[test]
    fn missing_column_and_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nodate.jsonl");
        std::fs::write(&path, "{\"report_id\":\"A\",\"category\":\"other\"}\n").unwrap();
        let err = ingest(&path).unwrap_err().to_string();
        assert!(
            err.contains("nodate.jsonl") && err.contains("`received_at`"),
            "{err}"
        );
        let raw = RawFile::open(&path).unwrap();
        let err = read(&raw, &FeedContext::default(), &mut MemorySink::default())
            .unwrap_err()
            .to_string();
        assert!(err.contains("emc-reports"), "{err}");
    }
}
