-- DATA_COMPLETENESS: share (%) of record-level rows whose sex, age or region is unknown, per
-- source, variable and year. Sources that do not record a variable have no row for it (EMC
-- reports carry no region, NCMEC referrals no sex or age).
with fields as (
    select year, 'pmp-cases' as source, 'sex' as variable, sex = '_U' as unknown from pmp_cases
    union all
    select year, 'pmp-cases', 'age', age_band = '_U' from pmp_cases
    union all
    select year, 'pmp-cases', 'region', region_code = '_U' from pmp_cases
    union all
    select year, 'emc-reports', 'sex', sex = '_U' from emc_reports
    union all
    select year, 'emc-reports', 'age', age_band = '_U' from emc_reports
    union all
    select year, 'ncmec-referrals', 'region', region_code = '_U' from ncmec_referrals
)

select
    cast(year as varchar) as period,
    source,
    variable,
    count(*) filter (where unknown) as numerator,
    count(*) as denominator,
    100.0 * count(*) filter (where unknown) / count(*) as value
from fields
group by year, source, variable
