-- survey.<id> (two-stage design): one ingested survey's respondents with its design under fixed
-- names, a template filled per survey by warehouse/src/survey_sql.rs (placeholders in braces:
-- the staging table and the design columns of staging.hcp_survey_designs, as SQL over `r`).
-- Each stratum's number of PSUs in the whole sample (_stratum_psus) is joined back to every
-- row, and each PSU's number of SSUs (_psu_ssus), so that a domain is estimated with the
-- whole design.
-- Grain: one row per respondent (staging.survey_<id>).
-- Inputs: staging.survey_<id>; the design from staging.hcp_survey_designs.
-- Version: DESIGN_VIEW_VERSION (survey_sql.rs) — bump it when the rows or columns can change.
select
    r.*,
    {weight} as _weight,
    {stratum} as _stratum,
    {psu} as _psu,
    {fpc} as _fpc,
    d._stratum_psus,
    {ssu} as _ssu,
    {fpc2} as _fpc2,
    s._psu_ssus
from staging.{table} as r
inner join (
    select
        {stratum} as _stratum,
        count(distinct {psu}) as _stratum_psus
    from staging.{table} as r
    group by 1
) as d on d._stratum = {stratum}
inner join (
    select
        {stratum} as _stratum,
        {psu} as _psu,
        count(distinct {ssu}) as _psu_ssus
    from staging.{table} as r
    group by 1, 2
) as s on s._stratum = {stratum} and s._psu = {psu}
