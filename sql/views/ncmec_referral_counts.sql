-- ncmec_referral_counts: CyberTipline referrals counted by year, incident type, region,
-- actionable and sextortion: the roll-up each ingest writes next to the referral rows, so that
-- indicators read a few hundred rows instead of tens of millions. Unknown region as '_U'.
-- Grain: one row per file × year × incident type × region × actionable × sextortion; sum
-- `reports` over files (each file's referrals are counted once, in its own rows).
-- Inputs: staging.ncmec_referral_counts.
select
    c.year,
    c.incident_type,
    coalesce(c.region_code, '_U') as region_code,
    c.actionable,
    c.sextortion,
    c.reports,
    c.files,
    c._source_sha256,
    c._source_position
from staging.ncmec_referral_counts as c
