-- population_regions_annual: the population of each of the 12 regions (2015 division, MA-01 …
-- MA-12) and of the nation ('MA') for every year from the first census to the last one, the
-- denominator of every "per 100,000 inhabitants" indicator by region.
-- Census years take the census count (legal population at the census date, 1 September for the
-- RGPH 2014 and 2024). Years between two censuses are interpolated at a constant annual growth
-- rate, region by region: P(y) = P0 * (P1 / P0) ^ ((y - y0) / (y1 - y0)), method
-- 'interpolated' (an indicator marks its observation estimated, E). Years after the last census
-- have no row (no extrapolation). The national row is population_annual's (the census 'MA' row,
-- or the sum of the regions), so a national rate has the same denominator as the national
-- "per 1,000" indicators; interpolating each region apart, the regions of a year between
-- censuses need not add up exactly to it.
-- Grain: one row per year × region_code.
-- Inputs: population, population_annual.
with census as (
    select year, region_code, population
    from population
    where sex = '_T' and age_group = '_T' and region_code like 'MA-%'
),

spans as (
    select
        region_code,
        year as y0,
        population as p0,
        lead(year) over (partition by region_code order by year) as y1,
        lead(population) over (partition by region_code order by year) as p1
    from census
),

between_censuses as (
    select region_code, y0, p0, y1, p1, unnest(range(y0 + 1, y1)) as year
    from spans
    where y1 is not null
)

select year, region_code, population, 'census' as method
from census
union all
select
    year,
    region_code,
    cast(round(p0 * power(cast(p1 as double) / p0, cast(year - y0 as double) / (y1 - y0)))
        as bigint) as population,
    'interpolated' as method
from between_censuses
union all
select year, 'MA' as region_code, population, method
from population_annual
