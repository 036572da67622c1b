-- DATA_COMPLETENESS: share (%) of record-level rows whose sex, age or region is unknown, per
-- source, variable and year. Sources that do not record a variable have no row for it (EMC
-- reports carry no region, NCMEC referrals no sex or age). Referrals are read from their
-- roll-up (ncmec_referral_counts), weighted by their counts.
with fields as (
    select year, 'pmp-cases' as source, 'sex' as variable, sex = '_U' as unknown, 1 as n
    from pmp_cases
    union all
    select year, 'pmp-cases', 'age', age_band = '_U', 1 from pmp_cases
    union all
    select year, 'pmp-cases', 'region', region_code = '_U', 1 from pmp_cases
    union all
    select year, 'emc-reports', 'sex', sex = '_U', 1 from emc_reports
    union all
    select year, 'emc-reports', 'age', age_band = '_U', 1 from emc_reports
    union all
    select year, 'ncmec-referrals', 'region', region_code = '_U', reports
    from ncmec_referral_counts
)

select
    cast(year as varchar) as period,
    source,
    variable,
    sum(case when unknown then n else 0 end) as numerator,
    sum(n) as denominator,
    100.0 * sum(case when unknown then n else 0 end) / sum(n) as value
from fields
group by year, source, variable
