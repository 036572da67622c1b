-- pmp_case_table: the PMP yearly AESE case table, as published.
-- Grain: one row per year. When several ingested files give the same year, the rows of the
-- most recently ingested file win (a revised table supersedes the earlier one).
-- Inputs: staging.pmp_case_table, registry.raw_files.
with files_per_year as (
    select
        t.year,
        f.sha256,
        row_number() over (
            partition by t.year order by f.snapshot_id desc, f.sha256 desc
        ) as file_rank
    from staging.pmp_case_table as t
    inner join registry.raw_files as f on f.sha256 = t._source_sha256
    group by t.year, f.sha256, f.snapshot_id
)

select
    t.year,
    t.cases,
    t.persons_prosecuted,
    t.under_investigation,
    t.under_instruction,
    t.closed,
    t.referred_incompetence,
    t._source_sha256,
    t._source_position
from staging.pmp_case_table as t
inner join files_per_year as y
    on y.year = t.year and y.sha256 = t._source_sha256 and y.file_rank = 1
