-- PMP_CASES_BY_REGION: AESE cases in the case-level export, by year registered and region of
-- the court ('MA' is the national total, '_U' region unknown).
with cells as (
    select year, region_code as ref_area, count(*) as cases
    from pmp_cases
    group by year, region_code
)

select cast(year as varchar) as period, ref_area, cases as value
from cells
union all
select cast(year as varchar) as period, 'MA' as ref_area, sum(cases) as value
from cells
group by year
