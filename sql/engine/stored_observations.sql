-- stored_observations: the observations stored for one snapshot, in the order the engine
-- compares and exports them (indicators/src/engine.rs, `stored`).
-- Grain: one row per observation of snapshot $1 (indicator × period × breakdowns × variable).
-- Inputs: indicators.observations; $1 = the session's snapshot id.
select *
from indicators.observations
where snapshot_id = $1
order by indicator_id, period, ref_area, sex, age_band, source, variable
