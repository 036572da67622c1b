-- pmp_cases: PMP case-level records, conformed.
-- Grain: one row per case (pseudonymised token). Unknown region, sex and age band as '_U'.
-- Inputs: staging.pmp_cases.
select
    c.case_token,
    c.year_registered as year,
    c.court_level,
    coalesce(c.region_code, '_U') as region_code,
    c.articles,
    c.victim_sex as sex,
    c.victim_age,
    coalesce(c.victim_age_band, '_U') as age_band,
    c.status,
    c._source_sha256,
    c._source_position
from staging.pmp_cases as c
