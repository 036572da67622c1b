-- EMC_REPORTS: reports received by the EMC helpline, per year.
select
    cast(year as varchar) as period,
    count(*) as value
from emc_reports
group by year
