-- emc_reports: EMC helpline reports, conformed.
-- Grain: one row per report (pseudonymised token). Unknown age band and sex are kept as '_U'
-- so that shares are computed over all reports, unknowns included.
-- Inputs: staging.emc_reports.
select
    r.report_token,
    r.year,
    r.received_at,
    r.category,
    r.platform,
    r.victim_age,
    coalesce(r.victim_age_band, '_U') as age_band,
    r.victim_minor,
    r.reporter_sex as sex,
    r.status,
    r.forwarded_to_platform,
    r._source_sha256,
    r._source_position
from staging.emc_reports as r
