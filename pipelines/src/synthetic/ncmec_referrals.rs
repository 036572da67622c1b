//! Synthetic CyberTipline referrals (feed `ncmec-referrals`): one row per CyberTipline report
//! NCMEC made available to Moroccan law enforcement, in the shape of a referral export:
//!
//! ```text
//! Report ID,Received Date,Incident Type,Reporting ESP,Estimated Region,File Count,Actionable,Sextortion
//! 150000003,2023-01-01,Child Pornography (possession, manufacture, and distribution),Facebook,Casablanca-Settat,3,Actionable,
//! ```
//!
//! Any number of rows, written through a `BufWriter` one row at a time, so memory stays constant
//! whether the file has 2,000 rows (the sample) or 36,000,000 (the benchmark, ≈ 2 GB).
//!
//! Distributions (invented, shaped like NCMEC's published national breakdowns, not copied from
//! any Moroccan referral): report ids strictly increasing and unique; received dates spread
//! evenly over 2023 in report-id order, written ISO (`2023-03-14`) for about 70% of rows and
//! `14/03/2023` for the rest; incident types dominated by child sexual abuse material (≈ 95.5%,
//! one in five written with NCMEC's newer label "Child Sexual Abuse Material"), then online
//! enticement and the six rarer categories, always with NCMEC's own labels; reporting ESPs
//! Facebook, Instagram, WhatsApp, Google, TikTok, Snapchat, X, Discord, Telegram and a few
//! others; the estimated region drawn in proportion to the 2024 census legal population of the
//! twelve regions and written with its French name, blank for about 5% of rows; file counts
//! heavy-tailed (most reports carry one or a few files, enticement reports often none);
//! about 55% actionable; the sextortion annotation set on about 40% of enticement reports and
//! rarely elsewhere (`Yes`; otherwise blank or `No`).
//!
//! Deterministic: the same `seed` and `rows` write the same bytes.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use chrono::{Datelike, Duration, NaiveDate};
use rand::distributions::{Distribution, WeightedIndex};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

use crate::error::{PipelineError, Result};
use crate::feeds::hcp_population::rgph2024_regions;

/// The header the export writes.
pub const CSV_HEADER: &str =
    "Report ID,Received Date,Incident Type,Reporting ESP,Estimated Region,File Count,Actionable,Sextortion";

/// Seed of the shipped sample `data-samples/ncmec/ncmec-referrals-2023.csv`.
pub const SAMPLE_SEED: u64 = 2023;
/// Rows of the shipped sample.
pub const SAMPLE_ROWS: u64 = 2_000;

/// NCMEC's eight incident types as its exports label them, with draw weights.
/// The first entry is written with the newer label one time in five.
const INCIDENT_TYPES: [(&str, f64); 8] = [
    (
        "Child Pornography (possession, manufacture, and distribution)",
        0.955,
    ),
    ("Online Enticement of Children for Sexual Acts", 0.025),
    ("Misleading Words or Digital Images on the Internet", 0.006),
    ("Unsolicited Obscene Material Sent to a Child", 0.005),
    ("Child Sex Trafficking", 0.003),
    ("Child Sexual Molestation", 0.003),
    ("Misleading Domain Name", 0.002),
    ("Child Sex Tourism", 0.001),
];
const CSAM_NEW_LABEL: &str = "Child Sexual Abuse Material";
const ENTICEMENT: usize = 1;

/// Reporting electronic service providers with draw weights.
const ESPS: [(&str, f64); 12] = [
    ("Facebook", 0.36),
    ("Instagram", 0.19),
    ("WhatsApp", 0.12),
    ("Google", 0.08),
    ("TikTok", 0.07),
    ("Snapchat", 0.05),
    ("X", 0.03),
    ("Discord", 0.02),
    ("Telegram", 0.02),
    ("Microsoft", 0.02),
    ("Yahoo", 0.01),
    ("Roblox", 0.03),
];

/// Share of rows whose estimated region is blank.
const BLANK_REGION: f64 = 0.05;
/// Share of rows whose received date is written dd/mm/yyyy (the rest ISO).
const DMY_DATES: f64 = 0.30;
const ACTIONABLE: f64 = 0.55;
/// First report id; ids grow by 1 to 7 per row.
const FIRST_ID: u64 = 150_000_000;

/// Write `rows` synthetic referral rows to `out` (CSV, UTF-8, `,`); returns the rows written.
pub fn write(out: &Path, rows: u64, seed: u64) -> Result<u64> {
    let werr = |cause| PipelineError::Write {
        path: out.to_path_buf(),
        cause,
    };
    let file = File::create(out).map_err(werr)?;
    let mut w = BufWriter::with_capacity(1 << 20, file);
    write_to(&mut w, rows, seed).map_err(werr)?;
    w.flush().map_err(werr)?;
    Ok(rows)
}

/// The rows as bytes into any writer (the file writer above; tests).
fn write_to<W: Write>(w: &mut W, rows: u64, seed: u64) -> std::io::Result<()> {
    let mut rng = SmallRng::seed_from_u64(seed);
    let types = weighted(&INCIDENT_TYPES.map(|(_, p)| p))?;
    let esps = weighted(&ESPS.map(|(_, p)| p))?;
    let populations: Vec<f64> = rgph2024_regions().iter().map(|r| r.2 as f64).collect();
    let regions = weighted(&populations)?;
    let start = NaiveDate::from_ymd_opt(2023, 1, 1).unwrap_or_default();
    let days_in_year = 365u64;

    writeln!(w, "{CSV_HEADER}")?;
    let mut id = FIRST_ID;
    for i in 0..rows {
        id += rng.gen_range(1..=7u64);
        // Dates follow report ids through the year.
        let day = i.saturating_mul(days_in_year) / rows.max(1);
        let date = start + Duration::days(day as i64);
        let t = types.sample(&mut rng);
        let label = if t == 0 && rng.gen_bool(0.2) {
            CSAM_NEW_LABEL
        } else {
            INCIDENT_TYPES[t].0
        };
        let esp = ESPS[esps.sample(&mut rng)].0;
        let region = if rng.gen_bool(BLANK_REGION) {
            ""
        } else {
            rgph2024_regions()[regions.sample(&mut rng)].1
        };
        let files = file_count(&mut rng, t);
        let actionable = if rng.gen_bool(ACTIONABLE) {
            "Actionable"
        } else {
            "Informational"
        };
        let sextortion_p = if t == ENTICEMENT { 0.40 } else { 0.002 };
        let sextortion = if rng.gen_bool(sextortion_p) {
            "Yes"
        } else if rng.gen_bool(0.3) {
            "No"
        } else {
            ""
        };
        write!(w, "{id},")?;
        if rng.gen_bool(DMY_DATES) {
            write!(w, "{:02}/{:02}/{},", date.day(), date.month(), date.year())?;
        } else {
            write!(w, "{}-{:02}-{:02},", date.year(), date.month(), date.day())?;
        }
        // Labels with a comma are quoted, as any CSV writer does.
        if label.contains(',') {
            write!(w, "\"{label}\",")?;
        } else {
            write!(w, "{label},")?;
        }
        writeln!(w, "{esp},{region},{files},{actionable},{sextortion}")?;
    }
    Ok(())
}

fn weighted(weights: &[f64]) -> std::io::Result<WeightedIndex<f64>> {
    WeightedIndex::new(weights)
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e.to_string()))
}

/// Files attached to a report: heavy-tailed, at least one for CSAM, often none for enticement.
fn file_count(rng: &mut SmallRng, incident: usize) -> u64 {
    if incident != 0 && rng.gen_bool(0.6) {
        return 0;
    }
    // Pareto with shape 1.3, capped: 1 for about half the reports, a long tail to 5,000.
    let u: f64 = rng.gen_range(f64::EPSILON..1.0);
    (u.powf(-1.0 / 1.3).floor() as u64).clamp(1, 5_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ncmec_referrals_generator_is_deterministic_and_shaped() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.csv");
        let b = dir.path().join("b.csv");
        assert_eq!(write(&a, 500, 7).unwrap(), 500);
        write(&b, 500, 7).unwrap();
        let (ba, bb) = (std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
        assert_eq!(ba, bb);
        let text = String::from_utf8(ba).unwrap();
        let mut lines = text.lines();
        assert_eq!(lines.next(), Some(CSV_HEADER));
        assert_eq!(text.lines().count(), 501);
        let mut other = Vec::new();
        write_to(&mut other, 500, 8).unwrap();
        assert_ne!(other, std::fs::read(&a).unwrap());
    }

    /// Writes the shipped sample. Run after changing the generator:
    /// `cargo test -p marsad-pipelines --lib -- --ignored write_ncmec_referrals_sample`.
    #[test]
    #[ignore]
    fn write_ncmec_referrals_sample() {
        let out = Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../data-samples/ncmec/ncmec-referrals-2023.csv"
        ));
        assert_eq!(write(out, SAMPLE_ROWS, SAMPLE_SEED).unwrap(), SAMPLE_ROWS);
    }
}
