-- NCMEC_MA_WORLD_SHARE: Morocco's share (%) of all CyberTipline reports of the year (the
-- table's total row, which includes reports with no country).
select
    cast(ma.year as varchar) as period,
    ma.reports as numerator,
    world.reports as denominator,
    100.0 * ma.reports / world.reports as value
from ncmec_reports as ma
inner join ncmec_reports as world on world.year = ma.year and world.row_kind = 'total'
where ma.row_kind = 'country' and ma.country_code = 'MA' and world.reports > 0
