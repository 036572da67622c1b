-- EMC_REPORTS_SEX_SHARE: shares of the year's EMC reports by sex of the reporter (%), unknown
-- ('_U') reported, not dropped; '_T' is the total (100%).
with cells as (
    select year, sex, count(*) as reports
    from emc_reports
    group by year, sex
),

totals as (
    select year, count(*) as reports
    from emc_reports
    group by year
)

select
    cast(c.year as varchar) as period,
    c.sex,
    c.reports as numerator,
    t.reports as denominator,
    100.0 * c.reports / t.reports as value
from cells as c
inner join totals as t on t.year = c.year
union all
select
    cast(year as varchar) as period,
    '_T' as sex,
    reports as numerator,
    reports as denominator,
    100.0 as value
from totals
