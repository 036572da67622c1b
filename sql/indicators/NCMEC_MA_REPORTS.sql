-- NCMEC_MA_REPORTS: CyberTipline reports concerning Morocco, per year, from NCMEC's "Reports by
-- Country" tables.
select
    cast(year as varchar) as period,
    reports as value
from ncmec_reports
where row_kind = 'country' and country_code = 'MA'
