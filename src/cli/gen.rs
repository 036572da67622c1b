//! `marsad gen <kind>`: synthetic feed files in the agency's shape, as shipped in data-samples/
//! (the same command writes the same bytes) or, for referrals, any number of rows (benchmarks).

use std::path::PathBuf;

use marsad_pipelines::synthetic;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    kind: Kind,
}

#[derive(Debug, clap::Subcommand)]
enum Kind {
    /// CyberTipline referral rows (CSV), streamed: any number of rows in constant memory.
    NcmecReferrals {
        /// Number of rows.
        #[arg(long)]
        rows: u64,
        /// Output CSV file.
        #[arg(long)]
        out: PathBuf,
        /// Random seed (the same seed writes the same bytes).
        #[arg(long, default_value_t = 2023)]
        seed: u64,
    },
    /// EMC helpline reports reproducing the published yearly counts and shares
    /// (.csv: French export; .jsonl: JSON Lines export).
    EmcReports {
        #[arg(long)]
        out: PathBuf,
        /// Years to write (2021–2024).
        #[arg(long, value_delimiter = ',', default_values_t = [2021, 2022, 2023, 2024])]
        years: Vec<i32>,
    },
    /// PMP case-level rows whose yearly totals and statuses equal the published case table.
    PmpCases {
        #[arg(long)]
        out: PathBuf,
    },
    /// The HCP survey sample (data + design description) into a folder.
    HcpSurvey {
        #[arg(long)]
        out_dir: PathBuf,
        #[arg(long, default_value_t = 2025)]
        seed: u64,
    },
    /// The synthetic national population table by sex and five-year age group (2024).
    HcpPopulationSexAge {
        #[arg(long)]
        out: PathBuf,
    },
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let (n, target) = match args.kind {
        Kind::NcmecReferrals { rows, out, seed } => {
            (synthetic::ncmec_referrals::write(&out, rows, seed)?, out)
        }
        Kind::EmcReports { out, years } => (synthetic::emc_reports::write(&out, &years)?, out),
        Kind::PmpCases { out } => (synthetic::pmp_cases::write(&out)?, out),
        Kind::HcpSurvey { out_dir, seed } => {
            (synthetic::hcp_survey::write(&out_dir, seed)?, out_dir)
        }
        Kind::HcpPopulationSexAge { out } => {
            (synthetic::hcp_survey::write_national_sex_age(&out)?, out)
        }
    };
    eprintln!("wrote {n} rows to {}", target.display());
    Ok(())
}
