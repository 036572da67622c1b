//! Table specs: a staging table's name and schema (lineage columns included), its record key and,
//! for a roll-up, how it counts a record table. [`staging_tables`] lists every staging table
//! whose shape is fixed, as data: the warehouse creates them empty at initialisation (so SQL over
//! them works before the first file arrives), and the adapters write exactly these.

use std::sync::Arc;

use arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};

use crate::schema;

/// A staging table an adapter writes: its name (`staging.<name>`) and full schema, lineage
/// columns included, and how a re-sent file's rows relate to the rows already staged.
#[derive(Debug, Clone, PartialEq)]
pub struct TableSpec {
    pub name: String,
    pub schema: SchemaRef,
    /// Record key: the columns that identify a record (a pseudonymised token, or survey
    /// respondent). Empty for tables that are not record-level. A record whose key is staged
    /// again replaces its earlier version in the next snapshot (see the warehouse's commit path).
    pub key: Vec<String>,
    /// Set on a roll-up table: how its rows count the rows of a record table of the same file,
    /// so that the warehouse can recount them when re-sent records leave that file's rows.
    pub roll_up: Option<RollUp>,
}

/// How a roll-up table counts a record table: grouped by every data column of the roll-up but
/// `count` and the `sums`, which exist with the same names in the record table.
#[derive(Debug, Clone, PartialEq)]
pub struct RollUp {
    /// The record table counted (a table name, without `staging.`).
    pub of: String,
    /// The roll-up column that holds the number of rows counted.
    pub count: String,
    /// (roll-up column, record column) pairs: the sum of the record column, nulls as 0.
    pub sums: Vec<(String, String)>,
}

impl TableSpec {
    /// A table from its data fields; the lineage fields are appended.
    pub fn new(name: &str, fields: Vec<Field>) -> Self {
        let mut all = fields;
        all.extend(schema::lineage_fields());
        TableSpec {
            name: name.to_string(),
            schema: Arc::new(Schema::new(all)),
            key: Vec::new(),
            roll_up: None,
        }
    }
    /// The same table, identified by the record key `columns`.
    pub fn with_key(mut self, columns: &[&str]) -> Self {
        self.key = columns.iter().map(|c| c.to_string()).collect();
        self
    }
    /// The same table, declared a roll-up of another (see [`RollUp`]).
    pub fn with_roll_up(mut self, roll_up: RollUp) -> Self {
        self.roll_up = Some(roll_up);
        self
    }
    /// Number of data columns (lineage excluded).
    pub fn data_width(&self) -> usize {
        self.schema.fields().len() - 2
    }
}

/// Staging table names (`staging.<name>`), one per table an adapter writes.
pub mod names {
    pub const PMP_CASE_TABLE: &str = "pmp_case_table";
    pub const PMP_CASES: &str = "pmp_cases";
    pub const PMP_VICTIMS_JUDGED: &str = "pmp_victims_judged";
    pub const EMC_REPORTS: &str = "emc_reports";
    pub const NCMEC_COUNTRY_REPORTS: &str = "ncmec_country_reports";
    pub const NCMEC_REFERRALS: &str = "ncmec_referrals";
    /// The roll-up of `ncmec_referrals` by the conformed dimensions.
    pub const NCMEC_REFERRAL_COUNTS: &str = "ncmec_referral_counts";
    pub const HCP_POPULATION: &str = "hcp_population";
    pub const HCP_SURVEY_DESIGNS: &str = "hcp_survey_designs";
    /// Prefix of the per-survey microdata tables (`survey_<id>`, shaped by each survey).
    pub const SURVEY_TABLE_PREFIX: &str = "survey_";
}

use names::*;

/// The count columns of `pmp_case_table` after `year`, in the order of the PMP table.
pub const PMP_CASE_TABLE_COUNTS: [&str; 6] = [
    "cases",
    "persons_prosecuted",
    "under_investigation",
    "under_instruction",
    "closed",
    "referred_incompetence",
];

/// `staging.pmp_case_table`: the PMP's yearly AESE case table.
pub fn pmp_case_table() -> TableSpec {
    let mut fields = vec![Field::new("year", DataType::Int64, false)];
    fields.extend(
        PMP_CASE_TABLE_COUNTS
            .iter()
            .map(|c| Field::new(*c, DataType::Int64, true)),
    );
    TableSpec::new(PMP_CASE_TABLE, fields)
}

/// `staging.pmp_cases`: one row per case, keyed by its pseudonymised reference.
pub fn pmp_cases() -> TableSpec {
    TableSpec::new(
        PMP_CASES,
        vec![
            Field::new("case_token", DataType::Utf8, false),
            Field::new("court_level", DataType::Utf8, true),
            Field::new("region_code", DataType::Utf8, true),
            Field::new("year_registered", DataType::Int64, false),
            Field::new("articles", DataType::Utf8, true),
            Field::new("victim_sex", DataType::Utf8, false),
            Field::new("victim_age", DataType::Int64, true),
            Field::new("victim_age_band", DataType::Utf8, true),
            Field::new("status", DataType::Utf8, false),
        ],
    )
    .with_key(&["case_token"])
}

/// `staging.pmp_victims_judged`: child victims whose case was judged, per year.
pub fn pmp_victims_judged() -> TableSpec {
    TableSpec::new(
        PMP_VICTIMS_JUDGED,
        vec![
            Field::new("year", DataType::Int64, false),
            Field::new("child_victims", DataType::Int64, true),
        ],
    )
}

/// `staging.emc_reports`: one row per helpline report, keyed by its pseudonymised id.
pub fn emc_reports() -> TableSpec {
    TableSpec::new(
        EMC_REPORTS,
        vec![
            Field::new("report_token", DataType::Utf8, false),
            Field::new(
                "received_at",
                DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
                false,
            ),
            Field::new("year", DataType::Int64, false),
            Field::new("category", DataType::Utf8, false),
            Field::new("platform", DataType::Utf8, true),
            Field::new("victim_age", DataType::Int64, true),
            Field::new("victim_age_band", DataType::Utf8, true),
            Field::new("victim_minor", DataType::Boolean, true),
            Field::new("reporter_sex", DataType::Utf8, false),
            Field::new("status", DataType::Utf8, true),
            Field::new("forwarded_to_platform", DataType::Boolean, true),
        ],
    )
    .with_key(&["report_token"])
}

/// `staging.ncmec_country_reports`: NCMEC's CyberTipline reports by country, one row per
/// country and year (and the total and "no country" rows, told apart by `row_kind`).
pub fn ncmec_country_reports() -> TableSpec {
    TableSpec::new(
        NCMEC_COUNTRY_REPORTS,
        vec![
            Field::new("year", DataType::Int64, false),
            Field::new("country_code", DataType::Utf8, true),
            Field::new("country_name", DataType::Utf8, false),
            Field::new("reports", DataType::Int64, false),
            Field::new("row_kind", DataType::Utf8, false),
        ],
    )
}

/// `staging.ncmec_referrals`: one row per referral, keyed by its pseudonymised id.
pub fn ncmec_referrals() -> TableSpec {
    TableSpec::new(
        NCMEC_REFERRALS,
        vec![
            Field::new("report_token", DataType::Utf8, false),
            Field::new("received_date", DataType::Date32, false),
            Field::new("year", DataType::Int64, false),
            Field::new("incident_type", DataType::Utf8, false),
            Field::new("esp", DataType::Utf8, true),
            Field::new("region_code", DataType::Utf8, true),
            Field::new("file_count", DataType::Int64, true),
            Field::new("actionable", DataType::Boolean, true),
            Field::new("sextortion", DataType::Boolean, true),
        ],
    )
    .with_key(&["report_token"])
}

/// `staging.ncmec_referral_counts`: the referrals counted by the conformed dimensions.
pub fn ncmec_referral_counts() -> TableSpec {
    TableSpec::new(
        NCMEC_REFERRAL_COUNTS,
        vec![
            Field::new("year", DataType::Int64, false),
            Field::new("incident_type", DataType::Utf8, false),
            Field::new("region_code", DataType::Utf8, true),
            Field::new("actionable", DataType::Boolean, true),
            Field::new("sextortion", DataType::Boolean, true),
            Field::new("reports", DataType::Int64, false),
            Field::new("files", DataType::Int64, false),
        ],
    )
    .with_roll_up(RollUp {
        of: NCMEC_REFERRALS.to_string(),
        count: "reports".to_string(),
        sums: vec![("files".to_string(), "file_count".to_string())],
    })
}

/// `staging.hcp_population`: population by year, region, sex and age group.
pub fn hcp_population() -> TableSpec {
    TableSpec::new(
        HCP_POPULATION,
        vec![
            Field::new("year", DataType::Int64, false),
            Field::new("region_code", DataType::Utf8, false),
            Field::new("sex", DataType::Utf8, false),
            Field::new("age_group", DataType::Utf8, false),
            Field::new("population", DataType::Int64, false),
        ],
    )
}

/// `staging.hcp_survey_designs`: one row per ingested survey, its design and its table.
pub fn hcp_survey_designs() -> TableSpec {
    TableSpec::new(
        HCP_SURVEY_DESIGNS,
        vec![
            Field::new("survey_id", DataType::Utf8, false),
            Field::new("table_name", DataType::Utf8, false),
            Field::new("title", DataType::Utf8, true),
            Field::new("weight_col", DataType::Utf8, false),
            Field::new("strata_col", DataType::Utf8, true),
            Field::new("psu_col", DataType::Utf8, true),
            Field::new("ssu_col", DataType::Utf8, true),
            Field::new("fpc_col", DataType::Utf8, true),
            Field::new("fpc2_col", DataType::Utf8, true),
            Field::new("fpc_kind", DataType::Utf8, true),
            Field::new("variables", DataType::Utf8, false),
        ],
    )
    .with_key(&["survey_id"])
}

/// Every staging table whose shape is fixed, in the order of the feeds that write them
/// (survey microdata tables are shaped by each survey and created when one arrives).
pub fn staging_tables() -> Vec<TableSpec> {
    vec![
        pmp_case_table(),
        pmp_cases(),
        pmp_victims_judged(),
        emc_reports(),
        ncmec_country_reports(),
        ncmec_referrals(),
        ncmec_referral_counts(),
        hcp_population(),
        hcp_survey_designs(),
    ]
}
