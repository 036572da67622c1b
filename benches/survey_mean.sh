#!/usr/bin/env bash
# Benchmark (issue #6): survey_mean over N respondent rows (default 10,000,000) of a stratified
# clustered design with 500 strata and 5,000 PSUs (10 per stratum), grouped by 3 domains, in
# `marsad sql`. The rows are generated inside the query (generate_series), so the same query
# with avg(y) in place of survey_mean is measured too: the difference is the cost of the design
# -based estimate. Prints wall time and peak RSS (/usr/bin/time).
#
#   benches/survey_mean.sh
#   SURVEY_ROWS=1000000 benches/survey_mean.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source benches/common.sh
N=${SURVEY_ROWS:-10000000}
bench_setup
WH="$WORK/warehouse-survey"
"$MARSAD" --data-dir "$WH" snapshots >/dev/null   # an empty warehouse to run SQL in

ROWS_SQL="select value % 3 as domain, (value * 7919) % 5000 as psu, ((value * 7919) % 5000) % 500 as stratum,
  cast((value * 2654435761) % 1000 as double) / 10.0 as y, 1.0 + cast(value % 7 as double) as w, 100 as fpc
  from generate_series(1, $N)"
SURVEY="select domain, e['estimate'] as mean, e['se'] as se, e['n'] as n from (select domain, survey_mean(y, w, stratum, psu, fpc, 10) as e from ($ROWS_SQL) group by domain) order by domain"
PLAIN="select domain, sum(w * y) / sum(w) as mean from ($ROWS_SQL) group by domain order by domain"

S=$(measure survey "$MARSAD" --data-dir "$WH" sql --format csv "$SURVEY")
P=$(measure plain "$MARSAD" --data-dir "$WH" sql --format csv "$PLAIN")

echo
echo "respondent rows: $N   strata: 500   PSUs: 5000   domains: 3   cores: $(nproc)   $(date -u +%Y-%m-%d)"
echo "| query | wall (s) | peak RSS (MB) |"
echo "|---|---|---|"
row "survey_mean(y, w, stratum, psu, fpc, 10) GROUP BY domain" "$S"
row "weighted mean only, sum(w*y)/sum(w) GROUP BY domain" "$P"
echo
cat "$WORK/stdout-survey.txt"
