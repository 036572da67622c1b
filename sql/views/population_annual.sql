-- population_annual: the national population for every year from the first census to the last
-- one, the denominator of every "per 1,000 inhabitants" indicator.
-- Census years take the census count (legal population at the census date, 1 September for the
-- RGPH 2014 and 2024). Years between two censuses are interpolated at a constant annual growth
-- rate: P(y) = P0 * (P1 / P0) ^ ((y - y0) / (y1 - y0)), method 'interpolated'. Years after the
-- last census have no row (no extrapolation): rates for them wait for HCP's next figure.
-- The national count is the census 'MA' row, or the sum of the regions where a census file
-- gives regions only.
-- Grain: one row per year.
-- Inputs: population.
with census as (
    select
        year,
        coalesce(
            max(case when region_code = 'MA' then population end),
            sum(case when region_code <> 'MA' then population end)
        ) as population
    from population
    where sex = '_T' and age_group = '_T'
    group by year
),

spans as (
    select
        year as y0,
        population as p0,
        lead(year) over (order by year) as y1,
        lead(population) over (order by year) as p1
    from census
),

between_censuses as (
    select y0, p0, y1, p1, unnest(range(y0 + 1, y1)) as year
    from spans
    where y1 is not null
)

select year, population, 'census' as method
from census
union all
select
    year,
    cast(round(p0 * power(cast(p1 as double) / p0, cast(year - y0 as double) / (y1 - y0)))
        as bigint) as population,
    'interpolated' as method
from between_censuses
