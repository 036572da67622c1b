-- PMP_VICTIMS_JUDGED: child victims whose case was judged, per year.
select
    cast(year as varchar) as period,
    child_victims as value
from pmp_victims_judged
