-- EMC_REPORTS_MINORS_SHARE: share of the year's EMC reports whose victim is a minor (under 18),
-- over all reports, those of unknown age included in the denominator.
select
    cast(year as varchar) as period,
    count(*) filter (where victim_minor) as numerator,
    count(*) as denominator,
    100.0 * count(*) filter (where victim_minor) / count(*) as value,
    -- No count in the comment: comments escape disclosure control, and the number of reports
    -- of unknown age is the `_U` cell of EMC_REPORTS_AGE_SHARE, suppressed where it must be.
    case
        when count(*) filter (where victim_minor is null) > 0
            then 'Reports of unknown age are counted in the denominator (EMC_REPORTS_AGE_SHARE, band _U).'
    end as obs_comment
from emc_reports
group by year
