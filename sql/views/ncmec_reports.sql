-- ncmec_reports: NCMEC CyberTipline reports by country and year, with the total and the
-- no-country rows kept apart by row_kind ('country', 'no_country', 'total').
-- Grain: one row per year × row (country). For a year given by several files (the PDF and a
-- CSV copy, say), the most recently ingested file wins.
-- Inputs: staging.ncmec_country_reports, registry.raw_files.
with files_per_year as (
    select
        t.year,
        f.sha256,
        row_number() over (
            partition by t.year order by f.snapshot_id desc, f.sha256 desc
        ) as file_rank
    from staging.ncmec_country_reports as t
    inner join registry.raw_files as f on f.sha256 = t._source_sha256
    group by t.year, f.sha256, f.snapshot_id
)

select
    t.year,
    t.row_kind,
    t.country_code,
    t.country_name,
    t.reports,
    t._source_sha256,
    t._source_position
from staging.ncmec_country_reports as t
inner join files_per_year as y
    on y.year = t.year and y.sha256 = t._source_sha256 and y.file_rank = 1
