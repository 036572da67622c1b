-- PMP_AESE_PROSECUTED: persons prosecuted in AESE cases, per year (PMP case table).
select
    cast(year as varchar) as period,
    persons_prosecuted as value
from pmp_case_table
