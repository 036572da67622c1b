//! The conformed views, one SQL file each under `sql/views/`, embedded at build time so the
//! binary runs anywhere. Each file is a plain `select`; the session registers it as a view
//! named after the file. Order matters: a view may read the views listed before it.

/// (view name, SQL text).
pub const VIEWS: &[(&str, &str)] = &[
    (
        "latest_file_per_year",
        include_str!("../../sql/views/latest_file_per_year.sql"),
    ),
    (
        "pmp_case_table",
        include_str!("../../sql/views/pmp_case_table.sql"),
    ),
    ("pmp_cases", include_str!("../../sql/views/pmp_cases.sql")),
    (
        "pmp_victims_judged",
        include_str!("../../sql/views/pmp_victims_judged.sql"),
    ),
    (
        "emc_reports",
        include_str!("../../sql/views/emc_reports.sql"),
    ),
    (
        "ncmec_reports",
        include_str!("../../sql/views/ncmec_reports.sql"),
    ),
    (
        "ncmec_referrals",
        include_str!("../../sql/views/ncmec_referrals.sql"),
    ),
    (
        "ncmec_referral_counts",
        include_str!("../../sql/views/ncmec_referral_counts.sql"),
    ),
    ("population", include_str!("../../sql/views/population.sql")),
    (
        "population_annual",
        include_str!("../../sql/views/population_annual.sql"),
    ),
    (
        "population_regions_annual",
        include_str!("../../sql/views/population_regions_annual.sql"),
    ),
];
