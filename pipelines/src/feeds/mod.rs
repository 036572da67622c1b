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

use marsad_model::codes::sources::{Source, SOURCES};

use std::path::Path;

use marsad_model::{Adapter, AdapterError};

use crate::error::{PipelineError, Result};
use crate::output::{Sink, TableSpec};
use crate::pseudonym::PseudonymKey;
use crate::report::FeedReport;
use crate::source::{RawFile, ReadRaw};

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

    /// This feed's row of the model's source list (name, agency, description, formats), which
    /// `dim_source` reads too: `Feed::ALL` is in the same order (see the test below).
    pub fn source(self) -> &'static Source {
        &SOURCES[self as usize]
    }

    /// The name used on the command line and in the warehouse (`source_feed`).
    pub fn name(self) -> &'static str {
        self.source().feed
    }

    pub fn agency(self) -> &'static str {
        self.source().agency
    }

    pub fn description(self) -> &'static str {
        self.source().description
    }

    pub fn formats(self) -> &'static str {
        self.source().formats
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

/// One feed with what its adapter needs beyond a file (the pseudonymisation key): the model's
/// [`Adapter`] the caller hands to the warehouse's commit path.
#[derive(Debug, Clone)]
pub struct FeedAdapter {
    pub feed: Feed,
    pub context: FeedContext,
}

impl Feed {
    /// This feed's adapter, with `context` (its key; the reference date comes with each file).
    pub fn adapter(self, context: FeedContext) -> FeedAdapter {
        FeedAdapter {
            feed: self,
            context,
        }
    }
}

impl Adapter for FeedAdapter {
    fn feed(&self) -> &str {
        self.feed.name()
    }

    fn tables(&self) -> Vec<TableSpec> {
        self.feed.tables()
    }

    fn open(&self, path: &Path) -> std::result::Result<RawFile, AdapterError> {
        Ok(RawFile::open(path)?)
    }

    fn read(
        &self,
        file: &RawFile,
        reference_date: chrono::NaiveDate,
        sink: &mut dyn Sink,
    ) -> std::result::Result<FeedReport, AdapterError> {
        let ctx = FeedContext {
            reference_date: Some(reference_date),
            ..self.context.clone()
        };
        Ok(self.feed.read(file, &ctx, sink)?)
    }

    fn key_token(&self, label: &str) -> Option<String> {
        self.context.key.as_ref().map(|key| key.token(label))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The feeds' tables are the model's list of staging tables, in the same order, and each
    /// feed's row of the model's source list is its own (`tests/it/cli.rs` checks every name).
    #[test]
    fn the_feeds_write_the_models_staging_tables() {
        let written: Vec<TableSpec> = Feed::ALL.into_iter().flat_map(Feed::tables).collect();
        assert_eq!(written, marsad_model::tables::staging_tables());
        // Each feed reads its own row of the model's source list (by its place in `ALL`): its
        // name says its agency and the first two words of its first table's name.
        for feed in Feed::ALL {
            let words = |s: &str| s.split(['-', '_']).take(2).collect::<Vec<_>>().join("_");
            assert_eq!(
                words(feed.name()),
                words(&feed.tables()[0].name),
                "{feed:?}"
            );
            assert!(
                feed.name().starts_with(&feed.agency().to_lowercase()),
                "{feed:?}"
            );
        }
    }
}
