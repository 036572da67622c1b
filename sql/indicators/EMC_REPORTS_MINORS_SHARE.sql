-- EMC_REPORTS_MINORS_SHARE: share of the year's EMC reports whose victim is a minor (under 18),
-- over all reports, those of unknown age included in the denominator.
select
    cast(year as varchar) as period,
    count(*) filter (where victim_minor) as numerator,
    count(*) as denominator,
    100.0 * count(*) filter (where victim_minor) / count(*) as value,
    concat(
        cast(count(*) filter (where victim_minor is null) as varchar),
        ' report(s) of unknown age counted in the denominator'
    ) as obs_comment
from emc_reports
group by year
