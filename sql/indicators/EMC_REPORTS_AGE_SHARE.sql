-- EMC_REPORTS_AGE_SHARE: shares of the year's EMC reports by victim age band (%), unknown age
-- ('_U') reported as a band of its own; '_T' is the total (100%).
with bands as (
    select year, age_band, count(*) as reports
    from emc_reports
    group by year, age_band
),

totals as (
    select year, count(*) as reports
    from emc_reports
    group by year
)

select
    cast(b.year as varchar) as period,
    b.age_band,
    b.reports as numerator,
    t.reports as denominator,
    100.0 * b.reports / t.reports as value
from bands as b
inner join totals as t on t.year = b.year
union all
select
    cast(year as varchar) as period,
    '_T' as age_band,
    reports as numerator,
    reports as denominator,
    100.0 as value
from totals
