//! The sources: every feed Marsad accepts, its name (on the command line, in `registry.raw_files`
//! and `source_feed`), its agency, what it holds and its accepted formats. `dim_source`'s rows;
//! the pipelines' feed registry (`Feed`) reads its names and descriptions from here.

/// One feed, as `dim_source` and `marsad feeds` describe it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Source {
    /// The feed's name: `pmp-case-table`, `emc-reports`, …
    pub feed: &'static str,
    pub agency: &'static str,
    pub description: &'static str,
    pub formats: &'static str,
}

/// Every feed, in the order of the pipelines' `Feed::ALL`.
pub const SOURCES: [Source; 8] = [
    Source {
        feed: "pmp-case-table",
        agency: "PMP",
        description: "yearly AESE case table (cases, persons prosecuted, outcomes)",
        formats: "csv, xlsx",
    },
    Source {
        feed: "pmp-cases",
        agency: "PMP",
        description: "case-level export, one row per case",
        formats: "csv, xlsx",
    },
    Source {
        feed: "pmp-victims-judged",
        agency: "PMP",
        description: "child victims whose case was judged, per year",
        formats: "csv, xlsx",
    },
    Source {
        feed: "emc-reports",
        agency: "EMC",
        description: "helpline reports, one row per report",
        formats: "csv, jsonl",
    },
    Source {
        feed: "ncmec-country-table",
        agency: "NCMEC",
        description: "CyberTipline reports by country, one table per year",
        formats: "pdf, csv, xlsx",
    },
    Source {
        feed: "ncmec-referrals",
        agency: "NCMEC",
        description: "CyberTipline referrals made available to Moroccan law enforcement",
        formats: "csv",
    },
    Source {
        feed: "hcp-population",
        agency: "HCP",
        description: "population by region (and by sex and age group where given)",
        formats: "csv, xlsx",
    },
    Source {
        feed: "hcp-survey",
        agency: "HCP",
        description: "survey microdata with its design description",
        formats: "csv, parquet (+ <name>.design.toml beside it)",
    },
];
