-- pmp_case_table: the PMP yearly AESE case table, as published.
-- Grain: one row per year. When several ingested files give the same year, the rows of the
-- most recently ingested file win (a revised table supersedes the earlier one).
-- Inputs: staging.pmp_case_table, latest_file_per_year.
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
inner join latest_file_per_year as y
    on y.table_name = 'pmp_case_table' and y.year = t.year and y.sha256 = t._source_sha256
