-- PMP_AESE_INVESTIGATION_SHARE: share of the year's AESE cases still under investigation at
-- the end of the year (%).
select
    cast(year as varchar) as period,
    under_investigation as numerator,
    cases as denominator,
    100.0 * under_investigation / cases as value
from pmp_case_table
where cases > 0
