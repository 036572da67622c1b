-- PMP_VICTIMS_JUDGED_CHANGE: change (%) in child victims whose case was judged, from the first
-- to the last year of the series. Period: `first/last`.
with span as (
    select min(year) as first_year, max(year) as last_year
    from pmp_victims_judged
),

ends as (
    select
        s.first_year,
        s.last_year,
        max(case when v.year = s.first_year then v.child_victims end) as first_value,
        max(case when v.year = s.last_year then v.child_victims end) as last_value
    from pmp_victims_judged as v
    cross join span as s
    group by s.first_year, s.last_year
)

select
    concat(cast(first_year as varchar), '/', cast(last_year as varchar)) as period,
    last_value - first_value as numerator,
    first_value as denominator,
    100.0 * (last_value - first_value) / first_value as value
from ends
where last_year > first_year and first_value > 0
