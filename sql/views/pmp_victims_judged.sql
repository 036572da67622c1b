-- pmp_victims_judged: child victims whose case was judged, per year (PMP).
-- Grain: one row per year; the most recently ingested file wins for a year.
-- Inputs: staging.pmp_victims_judged, registry.raw_files.
with files_per_year as (
    select
        t.year,
        f.sha256,
        row_number() over (
            partition by t.year order by f.snapshot_id desc, f.sha256 desc
        ) as file_rank
    from staging.pmp_victims_judged as t
    inner join registry.raw_files as f on f.sha256 = t._source_sha256
    group by t.year, f.sha256, f.snapshot_id
)

select
    t.year,
    t.child_victims,
    t._source_sha256,
    t._source_position
from staging.pmp_victims_judged as t
inner join files_per_year as y
    on y.year = t.year and y.sha256 = t._source_sha256 and y.file_rank = 1
