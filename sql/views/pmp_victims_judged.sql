-- pmp_victims_judged: child victims whose case was judged, per year (PMP).
-- Grain: one row per year; the most recently ingested file wins for a year.
-- Inputs: staging.pmp_victims_judged, latest_file_per_year.
select
    t.year,
    t.child_victims,
    t._source_sha256,
    t._source_position
from staging.pmp_victims_judged as t
inner join latest_file_per_year as y
    on y.table_name = 'pmp_victims_judged' and y.year = t.year and y.sha256 = t._source_sha256
