-- ATTRITION_PMP_PER_10K_NCMEC: AESE cases registered by the public prosecution per 10,000
-- CyberTipline reports concerning Morocco in the same year. Years with only one of the two
-- sources have no observation.
select
    cast(p.year as varchar) as period,
    p.cases as numerator,
    n.reports as denominator,
    10000.0 * p.cases / n.reports as value
from pmp_case_table as p
inner join ncmec_reports as n
    on n.year = p.year and n.row_kind = 'country' and n.country_code = 'MA'
where n.reports > 0
