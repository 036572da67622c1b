-- ncmec_reports: NCMEC CyberTipline reports by country and year, with the total and the
-- no-country rows kept apart by row_kind ('country', 'no_country', 'total').
-- Grain: one row per year × row (country). For a year given by several files (the PDF and a
-- CSV copy, say), the most recently ingested file wins.
-- Inputs: staging.ncmec_country_reports, latest_file_per_year.
select
    t.year,
    t.row_kind,
    t.country_code,
    t.country_name,
    t.reports,
    t._source_sha256,
    t._source_position
from staging.ncmec_country_reports as t
inner join latest_file_per_year as y
    on y.table_name = 'ncmec_country_reports' and y.year = t.year and y.sha256 = t._source_sha256
