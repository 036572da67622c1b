-- EMC_REPORTS_CHANGE: year-on-year change (%) in reports received by the EMC helpline.
-- A year follows the previous calendar year only (no change across a gap in the series).
with yearly as (
    select year, count(*) as reports
    from emc_reports
    group by year
)

select
    cast(cur.year as varchar) as period,
    cur.reports - prev.reports as numerator,
    prev.reports as denominator,
    100.0 * (cur.reports - prev.reports) / prev.reports as value
from yearly as cur
inner join yearly as prev on prev.year = cur.year - 1
