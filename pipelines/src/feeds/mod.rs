//! The feed registry: every feed Marsad accepts, its name on the command line, its agency, its
//! accepted formats and staging tables, and the one `match` that sends a file to its adapter.
//! `marsad ingest <feed>`, `marsad feeds` and data-samples/README.md list the same names.

pub mod emc_reports;
pub mod hcp_population;
pub mod hcp_survey;
pub mod ncmec_country_table;
pub mod ncmec_referrals;
pub mod pmp_case_table;
pub mod pmp_cases;
pub mod pmp_victims_judged;
mod records;

use crate::error::{PipelineError, Result};
use crate::output::{Sink, TableSpec};
use crate::pseudonym::PseudonymKey;
use crate::report::FeedReport;
use crate::source::RawFile;

/// What an adapter may need beyond the file itself.
#[derive(Debug, Clone, Default)]
pub struct FeedContext {
    /// Key for record-level identifiers; feeds that carry them refuse to run without it.
    pub key: Option<PseudonymKey>,
    /// The day the ingest takes as "today" (feeds that refuse dates in the future): given by the
    /// ingest request, or the ingest's own start, so the same file and date give the same rows.
    pub reference_date: Option<chrono::NaiveDate>,
}

impl FeedContext {
    /// The key, or an error telling the steward how to set it.
    pub fn key(&self, feed: Feed) -> Result<&PseudonymKey> {
        self.key.as_ref().ok_or_else(|| {
            PipelineError::Config(format!(
                "feed `{}` carries record-level identifiers: set {} (16 bytes or more) to pseudonymise them",
                feed.name(),
                crate::pseudonym::KEY_ENV
            ))
        })
    }

    /// The reference date, or an error: an adapter never takes the clock's date itself.
    pub fn reference_date(&self, feed: Feed) -> Result<chrono::NaiveDate> {
        self.reference_date.ok_or_else(|| {
            PipelineError::Config(format!(
                "feed `{}` checks dates against a reference date, and none was given",
                feed.name()
            ))
        })
    }
}

/// Every feed Marsad accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Feed {
    PmpCaseTable,
    PmpCases,
    PmpVictimsJudged,
    EmcReports,
    NcmecCountryTable,
    NcmecReferrals,
    HcpPopulation,
    HcpSurvey,
}

impl Feed {
    pub const ALL: [Feed; 8] = [
        Feed::PmpCaseTable,
        Feed::PmpCases,
        Feed::PmpVictimsJudged,
        Feed::EmcReports,
        Feed::NcmecCountryTable,
        Feed::NcmecReferrals,
        Feed::HcpPopulation,
        Feed::HcpSurvey,
    ];

    /// The name used on the command line and in the warehouse (`source_feed`).
    pub fn name(self) -> &'static str {
        match self {
            Feed::PmpCaseTable => "pmp-case-table",
            Feed::PmpCases => "pmp-cases",
            Feed::PmpVictimsJudged => "pmp-victims-judged",
            Feed::EmcReports => "emc-reports",
            Feed::NcmecCountryTable => "ncmec-country-table",
            Feed::NcmecReferrals => "ncmec-referrals",
            Feed::HcpPopulation => "hcp-population",
            Feed::HcpSurvey => "hcp-survey",
        }
    }

    pub fn agency(self) -> &'static str {
        match self {
            Feed::PmpCaseTable | Feed::PmpCases | Feed::PmpVictimsJudged => "PMP",
            Feed::EmcReports => "EMC",
            Feed::NcmecCountryTable | Feed::NcmecReferrals => "NCMEC",
            Feed::HcpPopulation | Feed::HcpSurvey => "HCP",
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            Feed::PmpCaseTable => "yearly AESE case table (cases, persons prosecuted, outcomes)",
            Feed::PmpCases => "case-level export, one row per case",
            Feed::PmpVictimsJudged => "child victims whose case was judged, per year",
            Feed::EmcReports => "helpline reports, one row per report",
            Feed::NcmecCountryTable => "CyberTipline reports by country, one table per year",
            Feed::NcmecReferrals => {
                "CyberTipline referrals made available to Moroccan law enforcement"
            }
            Feed::HcpPopulation => "population by region (and by sex and age group where given)",
            Feed::HcpSurvey => "survey microdata with its design description",
        }
    }

    pub fn formats(self) -> &'static str {
        match self {
            Feed::PmpCaseTable => "csv, xlsx",
            Feed::PmpCases | Feed::PmpVictimsJudged => "csv, xlsx",
            Feed::EmcReports => "csv, jsonl",
            Feed::NcmecCountryTable => "pdf, csv, xlsx",
            Feed::NcmecReferrals => "csv",
            Feed::HcpPopulation => "csv, xlsx",
            Feed::HcpSurvey => "csv, parquet (+ <name>.design.toml beside it)",
        }
    }

    pub fn from_name(name: &str) -> Result<Feed> {
        Feed::ALL
            .into_iter()
            .find(|f| f.name() == name)
            .ok_or_else(|| {
                PipelineError::Config(format!(
                    "unknown feed `{name}`; feeds: {}",
                    Feed::ALL.map(|f| f.name()).join(", ")
                ))
            })
    }

    /// The staging tables this feed writes whose shape is fixed (the warehouse creates them
    /// empty at initialisation, so SQL over them works before the first file arrives).
    pub fn tables(self) -> Vec<TableSpec> {
        match self {
            Feed::PmpCaseTable => pmp_case_table::tables(),
            Feed::PmpCases => pmp_cases::tables(),
            Feed::PmpVictimsJudged => pmp_victims_judged::tables(),
            Feed::EmcReports => emc_reports::tables(),
            Feed::NcmecCountryTable => ncmec_country_table::tables(),
            Feed::NcmecReferrals => ncmec_referrals::tables(),
            Feed::HcpPopulation => hcp_population::tables(),
            Feed::HcpSurvey => hcp_survey::tables(),
        }
    }

    /// Read one file of this feed into `sink`.
    pub fn read(
        self,
        file: &RawFile,
        ctx: &FeedContext,
        sink: &mut dyn Sink,
    ) -> Result<FeedReport> {
        match self {
            Feed::PmpCaseTable => pmp_case_table::read(file, ctx, sink),
            Feed::PmpCases => pmp_cases::read(file, ctx, sink),
            Feed::PmpVictimsJudged => pmp_victims_judged::read(file, ctx, sink),
            Feed::EmcReports => emc_reports::read(file, ctx, sink),
            Feed::NcmecCountryTable => ncmec_country_table::read(file, ctx, sink),
            Feed::NcmecReferrals => ncmec_referrals::read(file, ctx, sink),
            Feed::HcpPopulation => hcp_population::read(file, ctx, sink),
            Feed::HcpSurvey => hcp_survey::read(file, ctx, sink),
        }
    }
}

impl std::fmt::Display for Feed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}
