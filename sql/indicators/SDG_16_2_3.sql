-- SDG_16_2_3: proportion (%) of young women and men aged 18-29 who experienced sexual violence
-- by age 18, by sex, from the HCP violence survey (survey_evs2025, fieldwork 2025), with 95%
-- confidence bounds. Design-based: survey_proportion over the whole stratified two-stage
-- design; each stratum's number of PSUs in the full sample (stratum_psus) keeps PSUs without
-- respondents of one sex in the variance. The interval is on the logit scale (inside 0-100).
with design as (
    select strate, count(distinct grappe) as stratum_psus
    from staging.survey_evs2025
    group by strate
),

respondents as (
    select
        r.violence_sexuelle_avant_18 = 1 as violence,
        r.poids,
        r.strate,
        r.grappe,
        r.fpc,
        d.stratum_psus,
        case r.sexe when 1 then 'M' when 2 then 'F' else '_U' end as sex
    from staging.survey_evs2025 as r
    inner join design as d on d.strate = r.strate
    where r.age between 18 and 29
),

estimates as (
    select sex, survey_proportion(violence, poids, strate, grappe, fpc, stratum_psus) as e
    from respondents
    group by sex
    union all
    select '_T' as sex, survey_proportion(violence, poids, strate, grappe, fpc, stratum_psus) as e
    from respondents
)

select
    '2025' as period,
    sex,
    100 * e['estimate'] as value,
    100 * e['ci_lower'] as lower_bound,
    100 * e['ci_upper'] as upper_bound,
    e['cv'] as cv,
    e['n'] as respondents,
    'E' as obs_status
from estimates
