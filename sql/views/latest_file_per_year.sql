-- latest_file_per_year: for tables published once a year (a yearly table may be re-sent, or the
-- same year sent as a PDF and as a CSV), which raw file's rows count for each year: the most
-- recently ingested file (highest snapshot; sha256 breaks a tie within one snapshot).
-- Grain: one row per staging table × year.
-- Inputs: staging.pmp_case_table, staging.pmp_victims_judged, staging.ncmec_country_reports,
-- registry.raw_files.
with file_years as (
    select distinct 'pmp_case_table' as table_name, year, _source_sha256 as sha256
    from staging.pmp_case_table
    union all
    select distinct 'pmp_victims_judged' as table_name, year, _source_sha256 as sha256
    from staging.pmp_victims_judged
    union all
    select distinct 'ncmec_country_reports' as table_name, year, _source_sha256 as sha256
    from staging.ncmec_country_reports
),

ranked as (
    select
        fy.table_name,
        fy.year,
        fy.sha256,
        row_number() over (
            partition by fy.table_name, fy.year order by f.snapshot_id desc, f.sha256 desc
        ) as file_rank
    from file_years as fy
    inner join registry.raw_files as f on f.sha256 = fy.sha256
)

select table_name, year, sha256
from ranked
where file_rank = 1
