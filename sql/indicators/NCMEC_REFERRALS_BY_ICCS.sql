-- NCMEC_REFERRALS_BY_ICCS: CyberTipline referrals made available to Moroccan law enforcement,
-- by year and the ICCS code of their incident type (the crosswalk of dim_offence), for
-- international reporting. '_T' all referrals of the year; '_U' an incident type the crosswalk
-- does not map (none today: a model test holds that every code is mapped).
-- Grain: one row per year × ICCS code, and one per year for the total.
-- Inputs: ncmec_referral_counts (the ingest's roll-up), dim_offence.
with by_code as (
    select
        c.year,
        coalesce(o.iccs_code, '_U') as iccs,
        c.reports
    from ncmec_referral_counts as c
    left join dim_offence as o
        on o.source = 'ncmec-referrals' and o.offence_code = c.incident_type
),

cells as (
    select year, iccs, sum(reports) as reports
    from by_code
    group by year, iccs
)

select cast(year as varchar) as period, iccs, reports as value
from cells
union all
select cast(year as varchar) as period, '_T' as iccs, sum(reports) as value
from cells
group by year
