-- headline_figures: what `marsad demo` prints after loading the samples — one published
-- figure per row, recomputed from the warehouse so it can be compared with its source.
-- Grain: one row per series × period.
-- Inputs: the conformed views pmp_case_table, pmp_victims_judged, emc_reports, ncmec_reports,
-- population.
with pmp as (
    select 'PMP' as source, 'AESE cases registered' as series, cast(year as varchar) as period,
        cast(cases as bigint) as value
    from pmp_case_table
    union all
    select 'PMP', 'persons prosecuted', cast(year as varchar), cast(persons_prosecuted as bigint)
    from pmp_case_table
    union all
    select 'PMP', 'child victims whose case was judged', cast(year as varchar),
        cast(child_victims as bigint)
    from pmp_victims_judged
),

emc as (
    select 'EMC' as source, 'helpline reports' as series, cast(year as varchar) as period,
        count(*) as value
    from emc_reports
    group by year
),

ncmec as (
    select 'NCMEC' as source,
        case when row_kind = 'total' then 'CyberTipline reports, world total'
            else 'CyberTipline reports, Morocco' end as series,
        cast(year as varchar) as period,
        cast(reports as bigint) as value
    from ncmec_reports
    where country_code = 'MA' or row_kind = 'total'
),

hcp as (
    select 'HCP' as source, 'legal population, sum of regions' as series,
        cast(year as varchar) as period, cast(sum(population) as bigint) as value
    from population
    where region_code <> 'MA' and sex = '_T' and age_group = '_T'
    group by year
)

select source, series, period, value from pmp
union all
select source, series, period, value from emc
union all
select source, series, period, value from ncmec
union all
select source, series, period, value from hcp
order by source, series, period
