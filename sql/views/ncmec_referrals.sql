-- ncmec_referrals: CyberTipline referrals made available to Moroccan law enforcement.
-- Grain: one row per referral (pseudonymised report token). Unknown region as '_U'.
-- Inputs: staging.ncmec_referrals.
select
    r.report_token,
    r.year,
    r.received_date,
    r.incident_type,
    r.esp,
    coalesce(r.region_code, '_U') as region_code,
    r.file_count,
    r.actionable,
    r.sextortion,
    r._source_sha256,
    r._source_position
from staging.ncmec_referrals as r
