-- quarantine_summary: rejected values by feed, column and reason.
-- Grain: one row per feed × column × reason.
-- Inputs: quarantine.rows.
select
    q.feed,
    q."column",
    q.reason,
    count(*) as values_rejected
from quarantine.rows as q
group by q.feed, q."column", q.reason
order by q.feed, values_rejected desc
