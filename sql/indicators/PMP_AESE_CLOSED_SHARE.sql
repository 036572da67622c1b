-- PMP_AESE_CLOSED_SHARE: share of the year's AESE cases closed without further action (%).
select
    cast(year as varchar) as period,
    closed as numerator,
    cases as denominator,
    100.0 * closed / cases as value
from pmp_case_table
where cases > 0
