//! Synthetic PMP case-level export (feed `pmp-cases`): one row per AESE case, in the shape a
//! prosecution office exports it (French headers, `;`, UTF-8), whose yearly totals and status
//! counts equal PMP's published case table for 2021–2024.
//!
//! The published figures are reproduced by allocation, not by chance: each year gets exactly
//! `cases` rows, and exactly as many rows of each status as the table's component (persons
//! prosecuted, under investigation, under judicial instruction, closed, referred for lack of
//! jurisdiction). Where the components add up to less than the cases (2023: 108 of 109), the
//! remaining rows have the status "Non renseigné" (unknown). Everything else (court, region,
//! articles, victim sex and age, spellings) is drawn from a [`SmallRng`] seeded per year, so the
//! same call writes the same bytes and one year does not depend on the others.
//!
//! The file also has an `Observations` free-text column, which the adapter ignores: it shows
//! that free text stays out of staging. No real case or person appears.

use std::io::Write;
use std::path::Path;

use rand::rngs::SmallRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

use crate::error::{PipelineError, Result};

/// Base seed; each year's generator is seeded with `SEED + year`.
pub const SEED: u64 = 0x504d_505f_4341_5345; // "PMP_CASE"

/// One year of PMP's published AESE case table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PublishedYear {
    pub year: i32,
    pub cases: usize,
    pub prosecuted: usize,
    pub under_investigation: usize,
    pub under_instruction: usize,
    pub closed: usize,
    pub referred_incompetence: usize,
}

/// The published table (MRC Maroc 2025, PMP figures), as in published-figures.csv.
pub const PUBLISHED: [PublishedYear; 4] = [
    PublishedYear {
        year: 2021,
        cases: 19,
        prosecuted: 9,
        under_investigation: 2,
        under_instruction: 0,
        closed: 8,
        referred_incompetence: 0,
    },
    PublishedYear {
        year: 2022,
        cases: 43,
        prosecuted: 18,
        under_investigation: 4,
        under_instruction: 0,
        closed: 21,
        referred_incompetence: 0,
    },
    PublishedYear {
        year: 2023,
        cases: 109,
        prosecuted: 24,
        under_investigation: 27,
        under_instruction: 0,
        closed: 57,
        referred_incompetence: 0,
    },
    PublishedYear {
        year: 2024,
        cases: 84,
        prosecuted: 13,
        under_investigation: 39,
        under_instruction: 3,
        closed: 19,
        referred_incompetence: 10,
    },
];

/// The header row as the export writes it.
pub const HEADER: [&str; 9] = [
    "Référence dossier",
    "Juridiction",
    "Région",
    "Année d'enregistrement",
    "Articles",
    "Sexe victime",
    "Âge victime",
    "Statut",
    "Observations",
];

/// Region names as written in the export, with their ISO 3166-2:MA code, and the 2024 legal
/// population (RGPH 2024) used as the weight of the draw.
const REGIONS: [(&str, &str, f64); 12] = [
    ("MA-01", "Tanger-Tétouan-Al Hoceïma", 4_030_222.0),
    ("MA-02", "L'Oriental", 2_294_665.0),
    ("MA-03", "Fès-Meknès", 4_467_911.0),
    ("MA-04", "Rabat-Salé-Kénitra", 5_132_639.0),
    ("MA-05", "Béni Mellal-Khénifra", 2_525_801.0),
    ("MA-06", "Casablanca-Settat", 7_688_967.0),
    ("MA-07", "Marrakech-Safi", 4_892_393.0),
    ("MA-08", "Drâa-Tafilalet", 1_655_623.0),
    ("MA-09", "Souss-Massa", 3_020_431.0),
    ("MA-10", "Guelmim-Oued Noun", 448_685.0),
    ("MA-11", "Laâyoune-Sakia El Hamra", 451_028.0),
    ("MA-12", "Dakhla-Oued Ed-Dahab", 219_965.0),
];

/// What the export writes for a region it does not know.
pub const UNKNOWN_REGION: &str = "Non renseignée";
/// What the export writes for a case whose status it does not give.
pub const UNKNOWN_STATUS: &str = "Non renseigné";

const FIRST_INSTANCE: [&str; 3] = ["Tribunal de première instance", "TPI", "1ère instance"];
const APPEAL: [&str; 2] = ["Cour d'appel", "CA"];

/// Penal-code articles as clerks type them (the adapter normalises them to `503-1;503-2`).
const ARTICLES: [&str; 12] = [
    "503-1",
    "503-2",
    "art. 503-2",
    "Art. 503-1, 503-2",
    "503-1-1",
    "503-1-2",
    "503-1;503-2",
    "503-2/497",
    "art 484 ; art 503-2",
    "485",
    "497, 498",
    "503-1-2 / 447-1",
];

const OBSERVATIONS: [&str; 6] = [
    "",
    "",
    "Audience fixée",
    "Expertise médicale demandée",
    "Victime orientée vers la cellule de prise en charge",
    "Dossier joint",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    Prosecuted,
    Investigation,
    Instruction,
    Closed,
    Referred,
    Unknown,
}

impl Status {
    /// The French word(s) the export writes; variants are drawn to exercise the adapter.
    fn spellings(self) -> &'static [&'static str] {
        match self {
            Status::Prosecuted => &["Poursuivi", "Poursuite engagée"],
            Status::Investigation => &["En cours d'enquête", "En cours d'enquête"],
            Status::Instruction => &["En cours d'instruction"],
            Status::Closed => &["Classé", "Classé sans suite"],
            Status::Referred => &["Renvoyé pour incompétence"],
            Status::Unknown => &[UNKNOWN_STATUS],
        }
    }
}

/// One synthetic case row (text cells in [`HEADER`] order).
#[derive(Debug, Clone)]
struct Case {
    seq: usize,
    court_appeal: bool,
    cells: [String; 9],
}

/// Write the synthetic export for 2021–2024 (the four published years) to `out`, French
/// headers, `;`, UTF-8 without BOM, CRLF line ends. Returns the number of data rows written
/// (255 = 19 + 43 + 109 + 84).
pub fn write(out: &Path) -> Result<u64> {
    let werr = |cause: std::io::Error| PipelineError::Write {
        path: out.to_path_buf(),
        cause,
    };
    let file = std::fs::File::create(out).map_err(werr)?;
    let mut csv = ::csv::WriterBuilder::new()
        .delimiter(b';')
        .terminator(::csv::Terminator::CRLF)
        .from_writer(std::io::BufWriter::new(file));
    let csv_err = |e: ::csv::Error| PipelineError::Write {
        path: out.to_path_buf(),
        cause: std::io::Error::other(e.to_string()),
    };
    csv.write_record(HEADER).map_err(csv_err)?;
    let mut rows = 0u64;
    for year in &PUBLISHED {
        for case in cases(year) {
            csv.write_record(&case.cells).map_err(csv_err)?;
            rows += 1;
        }
    }
    let mut inner = csv.into_inner().map_err(|e| werr(e.into_error()))?;
    inner.flush().map_err(werr)?;
    Ok(rows)
}

/// The rows of one published year, sorted by case reference.
fn cases(p: &PublishedYear) -> Vec<Case> {
    let mut rng = SmallRng::seed_from_u64(SEED.wrapping_add(p.year as u64));
    let n = p.cases;

    // Statuses: exactly the published components; the shortfall (if any) is "unknown".
    let mut statuses = Vec::with_capacity(n);
    for (status, count) in [
        (Status::Prosecuted, p.prosecuted),
        (Status::Investigation, p.under_investigation),
        (Status::Instruction, p.under_instruction),
        (Status::Closed, p.closed),
        (Status::Referred, p.referred_incompetence),
    ] {
        statuses.extend(std::iter::repeat_n(status, count));
    }
    statuses.truncate(n);
    statuses.resize(n, Status::Unknown);
    statuses.shuffle(&mut rng);

    // Regions: every region once in the larger years, about 5% unknown, the rest by population.
    let unknown_regions = (n as f64 * 0.05).round().max(1.0) as usize;
    let mut regions: Vec<Option<usize>> = Vec::with_capacity(n);
    if n >= 40 {
        regions.extend((0..REGIONS.len()).map(Some));
    }
    regions.extend(std::iter::repeat_n(None, unknown_regions));
    let weights: Vec<f64> = REGIONS.iter().map(|r| r.2).collect();
    let rest = n.saturating_sub(regions.len());
    for (i, k) in allocate(rest, &weights).into_iter().enumerate() {
        regions.extend(std::iter::repeat_n(Some(i), k));
    }
    regions.truncate(n);
    regions.shuffle(&mut rng);

    // Victim sex: about 5% not given (at least one a year), then 62% girls.
    let unknown_sex = (n / 20).max(1);
    let girls = ((n - unknown_sex) as f64 * 0.62).round() as usize;
    let mut sexes: Vec<&str> = Vec::with_capacity(n);
    sexes.extend(std::iter::repeat_n("", unknown_sex));
    sexes.extend(std::iter::repeat_n("F", girls));
    sexes.extend(std::iter::repeat_n("M", n - unknown_sex - girls));
    sexes.shuffle(&mut rng);

    let mut out: Vec<Case> = (0..n)
        .map(|i| {
            let status = statuses[i];
            let court_appeal = rng.gen_bool(0.25);
            let court = if court_appeal {
                APPEAL[rng.gen_range(0..APPEAL.len())]
            } else {
                FIRST_INSTANCE[rng.gen_range(0..FIRST_INSTANCE.len())]
            };
            let region = match regions[i] {
                Some(r) => REGIONS[r].1,
                None => UNKNOWN_REGION,
            };
            // Ages 5–17, weighted towards adolescence (as online cases are).
            let age: u32 = if rng.gen_bool(0.7) {
                rng.gen_range(12..=17)
            } else {
                rng.gen_range(5..=11)
            };
            let sex = match sexes[i] {
                "" if rng.gen_bool(0.5) => "Non précisé",
                s => s,
            };
            let spellings = status.spellings();
            Case {
                seq: rng.gen_range(1..=9999),
                court_appeal,
                cells: [
                    String::new(),
                    court.to_string(),
                    region.to_string(),
                    p.year.to_string(),
                    ARTICLES[rng.gen_range(0..ARTICLES.len())].to_string(),
                    sex.to_string(),
                    age.to_string(),
                    spellings[rng.gen_range(0..spellings.len())].to_string(),
                    OBSERVATIONS[rng.gen_range(0..OBSERVATIONS.len())].to_string(),
                ],
            }
        })
        .collect();

    // References: year / court office / sequence, unique within the year.
    out.sort_by_key(|c| c.seq);
    let mut last = 0usize;
    for c in &mut out {
        if c.seq <= last {
            c.seq = last + 1;
        }
        last = c.seq;
        let office = if c.court_appeal { 2611 } else { 2106 };
        c.cells[0] = format!("{}/{office}/{:04}", p.year, c.seq);
    }
    out.sort_by(|a, b| a.cells[0].cmp(&b.cells[0]));
    out
}

/// Split `total` in proportion to `weights`, exactly (largest remainder).
fn allocate(total: usize, weights: &[f64]) -> Vec<usize> {
    let sum: f64 = weights.iter().sum();
    if total == 0 || sum <= 0.0 {
        return vec![0; weights.len()];
    }
    let quotas: Vec<f64> = weights.iter().map(|w| total as f64 * w / sum).collect();
    let mut counts: Vec<usize> = quotas.iter().map(|q| q.floor() as usize).collect();
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by(|&a, &b| {
        let ra = quotas[a] - quotas[a].floor();
        let rb = quotas[b] - quotas[b].floor();
        rb.total_cmp(&ra).then(a.cmp(&b))
    });
    let short = total - counts.iter().sum::<usize>();
    for &i in order.iter().take(short) {
        counts[i] += 1;
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample_path() -> std::path::PathBuf {
        Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../data-samples/pmp/pmp-cases-2021-2024.csv"
        ))
        .to_path_buf()
    }

    /// Writes data-samples/pmp/pmp-cases-2021-2024.csv. Run with `-- --ignored`.
    #[test]
    #[ignore]
    fn write_sample() {
        let rows = write(&sample_path()).unwrap();
        assert_eq!(rows, 255);
    }

    #[test]
    fn totals_and_statuses_are_the_published_ones() {
        for p in &PUBLISHED {
            let rows = cases(p);
            assert_eq!(rows.len(), p.cases, "{}", p.year);
            let count = |s: Status| {
                rows.iter()
                    .filter(|c| s.spellings().contains(&c.cells[7].as_str()))
                    .count()
            };
            assert_eq!(count(Status::Prosecuted), p.prosecuted);
            assert_eq!(count(Status::Investigation), p.under_investigation);
            assert_eq!(count(Status::Instruction), p.under_instruction);
            assert_eq!(count(Status::Closed), p.closed);
            assert_eq!(count(Status::Referred), p.referred_incompetence);
            let unknown = if p.year == 2023 { 1 } else { 0 };
            assert_eq!(count(Status::Unknown), unknown, "{}", p.year);
            let mut refs: Vec<&String> = rows.iter().map(|c| &c.cells[0]).collect();
            refs.dedup();
            assert_eq!(refs.len(), p.cases, "references are unique");
        }
    }

    #[test]
    fn deterministic_and_matches_the_shipped_sample() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.csv");
        let b = dir.path().join("b.csv");
        write(&a).unwrap();
        write(&b).unwrap();
        let bytes = std::fs::read(&a).unwrap();
        assert_eq!(bytes, std::fs::read(&b).unwrap());
        if let Ok(shipped) = std::fs::read(sample_path()) {
            assert!(
                shipped == bytes,
                "data-samples/pmp/pmp-cases-2021-2024.csv is stale"
            );
        }
    }

    #[test]
    fn allocation_is_exact() {
        assert_eq!(allocate(10, &[1.0, 1.0, 1.0]).iter().sum::<usize>(), 10);
        assert_eq!(allocate(0, &[1.0]), vec![0]);
    }
}
