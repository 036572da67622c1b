-- PMP_CASES_PER_100K_BY_REGION: AESE cases in the case-level export per 100,000 inhabitants, by
-- year registered and region of the court ('MA': the nation; '_U': region unknown).
-- The cells are PMP_CASES_BY_REGION's (same counts, same rows, the unknown region included), so
-- disclosure control, which judges a rate by its numerator, suppresses exactly the same cells
-- in both: a rate never gives back a count that the other hides.
-- Denominator: population_regions_annual (census count in census years; between two censuses,
-- interpolated at a constant growth rate, and then the observation is marked estimated, E).
-- Only years with a national population figure are published; the unknown region (or a region
-- without a figure that year) has no rate: missing (M), while its count stays a cell of the table.
with cells as (
    select year, region_code as ref_area, count(*) as cases
    from pmp_cases
    group by year, region_code
),

table_cells as (
    select year, ref_area, cases from cells
    union all
    select year, 'MA' as ref_area, sum(cases) as cases from cells group by year
),

years as (
    select distinct year from population_regions_annual
)

select
    cast(c.year as varchar) as period,
    c.ref_area,
    c.cases as numerator,
    p.population as denominator,
    100000.0 * c.cases / p.population as value,
    case
        when p.population is null then 'M'
        when p.method = 'interpolated' then 'E'
        else 'A'
    end as obs_status,
    case
        when c.ref_area = '_U' then 'Region unknown: no population, so no rate.'
        when p.population is null then 'No population figure for this region and year: no rate.'
        when p.method = 'interpolated'
            then 'Population interpolated between the 2014 and 2024 censuses (HCP RGPH).'
        else 'Population of the census (HCP RGPH).'
    end as obs_comment
from table_cells as c
inner join years as y on y.year = c.year
left join population_regions_annual as p on p.year = c.year and p.region_code = c.ref_area
