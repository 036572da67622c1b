-- NCMEC_MA_REPORTS_PER_1000: CyberTipline reports concerning Morocco per 1,000 inhabitants.
-- Denominator: population_annual (census count in census years; between two censuses,
-- interpolated at a constant growth rate, and then the observation is marked estimated, E).
select
    cast(r.year as varchar) as period,
    r.reports as numerator,
    p.population as denominator,
    1000.0 * r.reports / p.population as value,
    case when p.method = 'interpolated' then 'E' else 'A' end as obs_status,
    case
        when p.method = 'interpolated'
            then 'Population interpolated between the 2014 and 2024 censuses (HCP RGPH).'
        else 'Population of the census (HCP RGPH).'
    end as obs_comment
from ncmec_reports as r
inner join population_annual as p on p.year = r.year
where r.row_kind = 'country' and r.country_code = 'MA'
