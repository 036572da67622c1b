//! Synthetic EMC helpline reports (feed `emc-reports`): one row per report received by the
//! Espace Maroc Cyberconfiance (CMRPI) national reporting portal, in two export shapes:
//!
//! - `.csv`: French headers, `;`, UTF-8, local Moroccan time `dd/mm/yyyy HH:MM`, French labels
//!   (`Cyberharcèlement`, `Homme`, `Traité`, `Oui`) and exact victim ages;
//! - `.jsonl`: English keys, RFC 3339 timestamps with the `+01:00` offset, English labels,
//!   victim age as a number (exact) or a string band (`"18-25"`), `forwarded_to_platform` as a
//!   JSON boolean.
//!
//! The published figures are reproduced by allocation, not by chance: each year gets exactly the
//! published number of reports (2021 64, 2022 537, 2023 1227, 2024 574), exactly the age-group
//! counts that give the published age shares (2022: 102 aged 16 or under, 435 over 16; 2023:
//! 39 / 96 / 605 / 487 in 5-12 / 13-17 / 18-25 / 26+; 2024: 19 / 129 / 127 / 299), and exactly
//! the reporter-sex counts that give the published sex shares (2022 347 M / 190 F, 2023 667 / 560,
//! 2024 172 / 402). 2022–2024 have no unknown age or sex (the shares are of all reports);
//! 2021, for which nothing was published beyond the count, has a few unknowns. The rest
//! (category, platform, status, forwarding, dates, exact age within a group, whether a band or
//! an exact age is written) is drawn from a [`SmallRng`] seeded per year, so the same call
//! writes the same bytes and one year does not depend on the others. No real report appears.

use std::io::Write;
use std::path::Path;

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use rand::distributions::{Distribution, WeightedIndex};
use rand::rngs::SmallRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

use crate::error::{PipelineError, Result};

/// Base seed; each year's generator is seeded with `SEED + year`.
pub const SEED: u64 = 0x454d_435f_5245_5054; // "EMC_REPT"

/// The years whose counts and shares were published, hence the years this writer can produce.
pub const YEARS: [i32; 4] = [2021, 2022, 2023, 2024];

/// The CSV header as EMC's export writes it.
pub const CSV_HEADER: [&str; 8] = [
    "N° signalement",
    "Date de réception",
    "Catégorie",
    "Plateforme",
    "Âge victime",
    "Sexe déclarant",
    "Statut",
    "Transmis à la plateforme",
];

/// The JSON Lines keys, in the order written.
pub const JSONL_KEYS: [&str; 8] = [
    "report_id",
    "received_at",
    "category",
    "platform",
    "victim_age",
    "reporter_sex",
    "status",
    "forwarded_to_platform",
];

/// A group of victim ages and how many reports of the year fall in it.
#[derive(Debug, Clone, Copy)]
struct AgeGroup {
    /// Inclusive range of exact ages drawn; `None` for "age not given".
    range: Option<(u32, u32)>,
    /// The band string the JSON export may write instead of the exact age.
    band: Option<&'static str>,
    count: usize,
}

const fn ages(lo: u32, hi: u32, band: Option<&'static str>, count: usize) -> AgeGroup {
    AgeGroup {
        range: Some((lo, hi)),
        band,
        count,
    }
}

const fn unknown_age(count: usize) -> AgeGroup {
    AgeGroup {
        range: None,
        band: None,
        count,
    }
}

/// One published year: report count, age groups, reporter sex (M, F, unknown).
struct PublishedYear {
    year: i32,
    reports: usize,
    ages: Vec<AgeGroup>,
    sex: (usize, usize, usize),
}

fn published(year: i32) -> Option<PublishedYear> {
    Some(match year {
        // Only the count is published; ages and sexes are plausible, with some unknown.
        2021 => PublishedYear {
            year,
            reports: 64,
            ages: vec![
                ages(8, 12, None, 3),
                ages(13, 17, None, 9),
                ages(18, 25, None, 24),
                ages(26, 58, None, 20),
                unknown_age(8),
            ],
            sex: (36, 24, 4),
        },
        // 81% over 16, 19% 16 or under: exact ages only (bands would hide the 16/17 cut).
        2022 => PublishedYear {
            year,
            reports: 537,
            ages: vec![ages(10, 16, None, 102), ages(17, 60, None, 435)],
            sex: (347, 190, 0),
        },
        2023 => PublishedYear {
            year,
            reports: 1227,
            ages: vec![
                ages(5, 12, Some("5-12"), 39),
                ages(13, 17, Some("13-17"), 96),
                ages(18, 25, Some("18-25"), 605),
                ages(26, 62, Some("26+"), 487),
            ],
            sex: (667, 560, 0),
        },
        2024 => PublishedYear {
            year,
            reports: 574,
            ages: vec![
                ages(5, 12, Some("5-12"), 19),
                ages(13, 17, Some("13-17"), 129),
                ages(18, 25, Some("18-25"), 127),
                ages(26, 62, Some("26+"), 299),
            ],
            sex: (172, 402, 0),
        },
        _ => return None,
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Category {
    Cyberharassment,
    Sextortion,
    NonConsensualSharing,
    CsamIwf,
    Other,
}

const CATEGORIES: [(Category, f64); 5] = [
    (Category::Cyberharassment, 0.42),
    (Category::Sextortion, 0.26),
    (Category::NonConsensualSharing, 0.14),
    (Category::CsamIwf, 0.06),
    (Category::Other, 0.12),
];

impl Category {
    fn french(self) -> &'static str {
        match self {
            Category::Cyberharassment => "Cyberharcèlement",
            Category::Sextortion => "Sextorsion",
            Category::NonConsensualSharing => "Partage non consenti",
            Category::CsamIwf => "Contenu pédosexuel (redirigé vers l'IWF)",
            Category::Other => "Autre",
        }
    }
    fn english(self) -> &'static str {
        match self {
            Category::Cyberharassment => "cyberharassment",
            Category::Sextortion => "sextortion",
            Category::NonConsensualSharing => "non-consensual sharing",
            Category::CsamIwf => "CSAM (redirected to IWF portal)",
            Category::Other => "other",
        }
    }
}

/// Platforms as the export capitalises them ("" = not given), with their draw weights.
const PLATFORMS: [(&str, f64); 9] = [
    ("Facebook", 0.30),
    ("Instagram", 0.25),
    ("TikTok", 0.15),
    ("WhatsApp", 0.12),
    ("Snapchat", 0.06),
    ("YouTube", 0.03),
    ("Telegram", 0.03),
    ("X", 0.02),
    ("", 0.04),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sex {
    M,
    F,
    Unknown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Age {
    Exact(u32),
    Band(&'static str),
    Unknown,
}

/// One synthetic report.
#[derive(Debug, Clone)]
struct Report {
    id: String,
    received: NaiveDateTime,
    category: Category,
    platform: &'static str,
    age: Age,
    sex: Sex,
    processed: bool,
    forwarded: bool,
}

/// Write the reports of `years` (each one of [`YEARS`]) to `out`, in the shape its extension
/// names: `.csv` (French export) or `.jsonl` / `.ndjson` (JSON export). Reports are in order
/// of reception. Returns the number of reports written.
pub fn write(out: &Path, years: &[i32]) -> Result<u64> {
    let ext = out
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let json = match ext.as_str() {
        "csv" => false,
        "jsonl" | "ndjson" => true,
        _ => {
            return Err(PipelineError::Config(format!(
                "emc-reports samples are written as .csv or .jsonl, not `{}`",
                out.display()
            )))
        }
    };
    let mut all = Vec::new();
    for &year in years {
        let p = published(year).ok_or_else(|| {
            PipelineError::Config(format!(
                "no published EMC figures for {year}; years: {}",
                YEARS.map(|y| y.to_string()).join(", ")
            ))
        })?;
        all.extend(reports(&p));
    }
    all.sort_by(|a, b| a.received.cmp(&b.received).then(a.id.cmp(&b.id)));

    let werr = |cause: std::io::Error| PipelineError::Write {
        path: out.to_path_buf(),
        cause,
    };
    let file = std::fs::File::create(out).map_err(werr)?;
    let mut w = std::io::BufWriter::new(file);
    if json {
        for r in &all {
            writeln!(w, "{}", json_line(r)).map_err(werr)?;
        }
    } else {
        let mut csv = ::csv::WriterBuilder::new()
            .delimiter(b';')
            .terminator(::csv::Terminator::CRLF)
            .from_writer(&mut w);
        let csv_err = |e: ::csv::Error| werr(std::io::Error::other(e.to_string()));
        csv.write_record(CSV_HEADER).map_err(csv_err)?;
        for r in &all {
            csv.write_record(csv_cells(r)).map_err(csv_err)?;
        }
        csv.flush().map_err(werr)?;
    }
    w.flush().map_err(werr)?;
    Ok(all.len() as u64)
}

fn csv_cells(r: &Report) -> [String; 8] {
    [
        r.id.clone(),
        r.received.format("%d/%m/%Y %H:%M").to_string(),
        r.category.french().to_string(),
        r.platform.to_string(),
        match r.age {
            Age::Exact(a) => a.to_string(),
            Age::Band(b) => b.to_string(),
            Age::Unknown => String::new(),
        },
        match r.sex {
            Sex::M => "Homme",
            Sex::F => "Femme",
            Sex::Unknown => "Non précisé",
        }
        .to_string(),
        if r.processed { "Traité" } else { "Archivé" }.to_string(),
        if r.forwarded { "Oui" } else { "Non" }.to_string(),
    ]
}

fn json_line(r: &Report) -> String {
    let s = |v: &str| serde_json::Value::String(v.to_string()).to_string();
    let age = match r.age {
        Age::Exact(a) => a.to_string(),
        Age::Band(b) => s(b),
        Age::Unknown => "null".to_string(),
    };
    let sex = match r.sex {
        Sex::M => s("M"),
        Sex::F => s("F"),
        Sex::Unknown => "null".to_string(),
    };
    let platform = if r.platform.is_empty() {
        "null".to_string()
    } else {
        s(r.platform)
    };
    let values = [
        s(&r.id),
        s(&r.received.format("%Y-%m-%dT%H:%M:%S+01:00").to_string()),
        s(r.category.english()),
        platform,
        age,
        sex,
        s(if r.processed { "processed" } else { "archived" }),
        r.forwarded.to_string(),
    ];
    let fields: Vec<String> = JSONL_KEYS
        .iter()
        .zip(values)
        .map(|(k, v)| format!("\"{k}\":{v}"))
        .collect();
    format!("{{{}}}", fields.join(","))
}

/// The reports of one published year, in order of reception, ids numbered in that order.
fn reports(p: &PublishedYear) -> Vec<Report> {
    let mut rng = SmallRng::seed_from_u64(SEED.wrapping_add(p.year as u64));
    let n = p.reports;

    // Ages: exactly the published group counts; 2023-2024 write a band for ~40% of them.
    let mut ages: Vec<Age> = Vec::with_capacity(n);
    for g in &p.ages {
        for _ in 0..g.count {
            ages.push(match (g.range, g.band) {
                (None, _) => Age::Unknown,
                (Some(_), Some(band)) if rng.gen_bool(0.4) => Age::Band(band),
                (Some((lo, hi)), _) => Age::Exact(rng.gen_range(lo..=hi)),
            });
        }
    }
    ages.shuffle(&mut rng);

    // Reporter sex: exactly the published counts.
    let (m, f, u) = p.sex;
    let mut sexes: Vec<Sex> = Vec::with_capacity(n);
    sexes.extend(std::iter::repeat_n(Sex::M, m));
    sexes.extend(std::iter::repeat_n(Sex::F, f));
    sexes.extend(std::iter::repeat_n(Sex::Unknown, u));
    sexes.shuffle(&mut rng);

    let categories = weighted(&CATEGORIES.map(|c| c.1));
    let platforms = weighted(&PLATFORMS.map(|c| c.1));
    let months = weighted(&month_weights(p.year));

    let mut out: Vec<Report> = (0..n)
        .map(|i| {
            let category = CATEGORIES[categories.sample(&mut rng)].0;
            let platform = match category {
                // Images of abuse go to the IWF portal; no platform is named.
                Category::CsamIwf => "",
                _ => PLATFORMS[platforms.sample(&mut rng)].0,
            };
            let processed = rng.gen_bool(0.85);
            let forwarded = processed && !platform.is_empty() && rng.gen_bool(0.7);
            let month = months.sample(&mut rng) as u32 + 1;
            let received = timestamp(&mut rng, p.year, month);
            Report {
                id: String::new(),
                received,
                category,
                platform,
                age: ages[i],
                sex: sexes[i],
                processed,
                forwarded,
            }
        })
        .collect();
    out.sort_by_key(|r| r.received);
    for (i, r) in out.iter_mut().enumerate() {
        r.id = format!("EMC{}-{:05}", p.year, i + 1);
    }
    out
}

/// Reports per month: the portal opened in February 2021; the 2023 peak followed the Al Haouz
/// earthquake (September), when images of victims circulated.
fn month_weights(year: i32) -> [f64; 12] {
    let mut w = [1.0; 12];
    if year == 2021 {
        w[0] = 0.0;
    }
    if year == 2023 {
        w[8] = 3.0;
        w[9] = 2.0;
    }
    w
}

fn weighted(weights: &[f64]) -> WeightedIndex<f64> {
    // The weight tables above are constant and positive.
    WeightedIndex::new(weights).unwrap_or_else(|_| unreachable!("constant positive weights"))
}

/// A local time in office-and-evening hours (08:00–21:59), so no report is near midnight and
/// the year is the same in local time and in UTC.
fn timestamp(rng: &mut SmallRng, year: i32, month: u32) -> NaiveDateTime {
    let first = NaiveDate::from_ymd_opt(year, month, 1).unwrap_or_default();
    let next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)
    }
    .unwrap_or_default();
    let days = next.signed_duration_since(first).num_days().max(1) as u64;
    let day = first + chrono::Days::new(rng.gen_range(0..days));
    debug_assert_eq!(day.year(), year);
    day.and_hms_opt(
        rng.gen_range(8..22),
        rng.gen_range(0..60),
        rng.gen_range(0..60),
    )
    .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(name: &str) -> std::path::PathBuf {
        Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../data-samples/emc/")).join(name)
    }

    /// Writes data-samples/emc/emc-reports-2021-2022.csv and emc-reports-2023-2024.jsonl.
    /// Run with `-- --ignored`.
    #[test]
    #[ignore]
    fn write_samples() {
        assert_eq!(
            write(&sample("emc-reports-2021-2022.csv"), &[2021, 2022]).unwrap(),
            601
        );
        assert_eq!(
            write(&sample("emc-reports-2023-2024.jsonl"), &[2023, 2024]).unwrap(),
            1801
        );
    }

    #[test]
    fn counts_ages_and_sexes_are_allocated_exactly() {
        for year in YEARS {
            let p = published(year).unwrap();
            let r = reports(&p);
            assert_eq!(r.len(), p.reports);
            assert_eq!(p.ages.iter().map(|g| g.count).sum::<usize>(), p.reports);
            let m = r.iter().filter(|x| x.sex == Sex::M).count();
            let f = r.iter().filter(|x| x.sex == Sex::F).count();
            assert_eq!((m, f), (p.sex.0, p.sex.1));
            assert!(r.iter().all(|x| x.received.year() == year));
        }
        let r = reports(&published(2022).unwrap());
        let young = r
            .iter()
            .filter(|x| matches!(x.age, Age::Exact(a) if a <= 16))
            .count();
        assert_eq!(young, 102);
    }

    #[test]
    fn deterministic_and_matches_the_shipped_samples() {
        let dir = tempfile::tempdir().unwrap();
        for (name, years) in [
            ("emc-reports-2021-2022.csv", [2021, 2022]),
            ("emc-reports-2023-2024.jsonl", [2023, 2024]),
        ] {
            let a = dir.path().join(name);
            write(&a, &years).unwrap();
            let bytes = std::fs::read(&a).unwrap();
            write(&a, &years).unwrap();
            assert_eq!(bytes, std::fs::read(&a).unwrap());
            if let Ok(shipped) = std::fs::read(sample(name)) {
                assert!(shipped == bytes, "data-samples/emc/{name} is stale");
            }
        }
    }

    #[test]
    fn unknown_years_and_formats_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let err = write(&dir.path().join("x.csv"), &[2019])
            .unwrap_err()
            .to_string();
        assert!(err.contains("2019"), "{err}");
        let err = write(&dir.path().join("x.xlsx"), &[2021])
            .unwrap_err()
            .to_string();
        assert!(err.contains(".csv"), "{err}");
    }
}
