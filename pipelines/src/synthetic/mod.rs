//! Writers of synthetic feed files in each agency's own shape, for data-samples and benchmarks.
//! Deterministic (seeded), so the same command writes the same bytes. No real person appears:
//! the files are built to reproduce published aggregates, nothing more.
//!
//! - [`emc_reports`]: helpline reports matching EMC's published yearly counts and shares.
//! - [`pmp_cases`]: case-level PMP rows whose yearly totals equal the published case table.
//! - [`ncmec_referrals`]: referral-level CyberTipline rows, any number (benchmarks stream them).
//! - [`hcp_survey`]: a stratified, clustered survey with a module on sexual violence before 18.

pub mod emc_reports;
pub mod hcp_survey;
pub mod ncmec_referrals;
pub mod pmp_cases;
