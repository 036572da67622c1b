#!/usr/bin/env bash
# Benchmark (issue #17): `marsad serve` against Datasette (PyPI) serving the same rows from
# SQLite on this machine, both driven by wrk (Debian) with 50 connections for 30 s, in the same
# run. Prints requests/s and latency percentiles of:
#   1. GET the observations of one indicator as JSON (target: ≥ 10× Datasette's requests/s);
#   2. a GROUP BY over the N referral rows (default 36,000,000 from `marsad gen`, the same rows
#      imported into Datasette's SQLite with its time limit raised) (target: ≥ 20×);
#   3. run 1 again while a memory-hungry query and a slow query are sent to marsad: the other
#      clients see no error, their p99 stays within 2× of the quiet run, and the server's RSS
#      (sampled every 0.2 s) stays within its query budget plus a margin.
#
# Rates are 2xx answers per second (a server may answer 503 when its queue is full; a 503 is not
# an answer). Marsad runs `concurrency` = the number of cores, each query with MEMORY (default
# 512 MiB) and a queue of 64, so every connection waits its turn as Datasette's do (its 3 SQL
# threads); the GROUP BY runs last GROUP_DURATION (default 120 s, each side) with wrk's timeout
# raised to 120 s: one SQLite scan of 36M rows takes tens of seconds.
#
#   benches/serve_http.sh
#   ROWS=1000000 DURATION=10s benches/serve_http.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source benches/common.sh
bench_setup
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
[ -x "$VENV/bin/datasette" ] || "$VENV/bin/pip" install --quiet datasette
DATASETTE_VERSION=$("$VENV/bin/datasette" --version | awk '{print $NF}')
DURATION=${DURATION:-30s}
CONNECTIONS=${CONNECTIONS:-50}
INDICATOR=NCMEC_MA_REPORTS
CSV=$(referrals_csv)

WH="$WORK/warehouse-serve-$ROWS"
if [ ! -f "$WH/.loaded" ]; then
  rm -rf "$WH"
  echo "loading the samples and $ROWS referral rows into $WH…" >&2
  "$MARSAD" --data-dir "$WH" ingest --samples >/dev/null
  "$MARSAD" --data-dir "$WH" ingest ncmec-referrals "$CSV" >/dev/null
  "$MARSAD" --data-dir "$WH" indicators compute >/dev/null
  touch "$WH/.loaded"
fi
release_latest "$WH"
DB="$WORK/datasette-$ROWS.db"
if [ ! -f "$DB.loaded" ]; then
  rm -f "$DB"
  echo "importing the same rows into SQLite ($DB)…" >&2
  "$MARSAD" --data-dir "$WH" indicators export --role public --out "$WORK/serve-export" >/dev/null
  sqlite3 "$DB" <<SQL
.mode csv
.import '$CSV' referrals
.import '$WORK/serve-export/observations.csv' observations
create index observations_indicator on observations(indicator_id);
SQL
  touch "$DB.loaded"
fi

TOKEN=$("$MARSAD" --data-dir "$WH" tokens create --role analyst --name "bench-$$" --expires 1d | grep -o 'marsad_[0-9a-f]*')
MEMORY=${MEMORY:-512MiB}
export MARSAD_QUERY_CONCURRENCY=$(nproc) MARSAD_QUERY_QUEUE=64 MARSAD_QUERY_MEMORY=$MEMORY
"$MARSAD" --data-dir "$WH" serve --listen 127.0.0.1:18080 --pg-listen 127.0.0.1:18433 \
  > "$WORK/serve.log" 2>&1 &
MARSAD_PID=$!
"$VENV/bin/datasette" serve "$DB" --port 18081 --setting sql_time_limit_ms 600000 \
  --setting max_returned_rows 1000 > "$WORK/datasette.log" 2>&1 &
DATASETTE_PID=$!
trap 'kill $MARSAD_PID $DATASETTE_PID 2>/dev/null || true; "$MARSAD" --data-dir "$WH" tokens revoke "bench-$$" >/dev/null 2>&1 || true' EXIT
for url in http://127.0.0.1:18080/readyz http://127.0.0.1:18081/-/versions.json; do
  for _ in $(seq 600); do curl -fs "$url" >/dev/null && break; sleep 0.2; done
done

GROUP_MARSAD="select incident_type, count(*) as n from staging.ncmec_referrals group by incident_type"
GROUP_SQLITE='select "Incident Type", count(*) as n from referrals group by "Incident Type"'
cat > "$WORK/post-sql.lua" <<LUA
wrk.method = "POST"
wrk.body = "$GROUP_MARSAD"
wrk.headers["Content-Type"] = "text/plain"
wrk.headers["Authorization"] = "Bearer $TOKEN"
wrk.headers["Accept"] = "application/json"
LUA

# run LABEL wrk-args… → "LABEL REQ_PER_S P50_MS P99_MS ERRORS OK_PER_S"
run() {
  local label=$1; shift
  local out="$WORK/wrk-$label.txt"
  wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency "$@" > "$out"
  wrk_summary "$label" "$out"
}

OBS_M=$(run obs-marsad "http://127.0.0.1:18080/api/v1/indicators/$INDICATOR/observations?format=json")
OBS_D=$(run obs-datasette "http://127.0.0.1:18081/datasette-$ROWS/observations.json?indicator_id=$INDICATOR&_shape=array&_size=max")
BASE_RSS=$(ps -o rss= -p $MARSAD_PID)
GROUP_DURATION=${GROUP_DURATION:-120s}
GRP_M=$(run group-marsad --timeout 120s -d"$GROUP_DURATION" -s "$WORK/post-sql.lua" "http://127.0.0.1:18080/api/v1/sql")
GRP_D=$(run group-datasette --timeout 120s -d"$GROUP_DURATION" "http://127.0.0.1:18081/datasette-$ROWS.json?sql=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$GROUP_SQLITE")&_shape=array")

# 3: the observations load again, with a memory-hungry and a slow query sent meanwhile.
RSS_LOG="$WORK/serve-rss.txt"; : > "$RSS_LOG"
( while kill -0 $MARSAD_PID 2>/dev/null; do ps -o rss= -p $MARSAD_PID >> "$RSS_LOG"; sleep 0.2; done ) &
SAMPLER=$!
( sleep 2
  for _ in 1 2 3; do
    curl -s -o /dev/null -w 'hungry: %{http_code}\n' -H "Authorization: Bearer $TOKEN" \
      -H "Content-Type: text/plain" --data-binary \
      "select a.report_token, b.report_token from staging.ncmec_referrals a join staging.ncmec_referrals b on a.year = b.year order by 1, 2" \
      http://127.0.0.1:18080/api/v1/sql
    curl -s -o /dev/null -w 'slow: %{http_code}\n' -H "Authorization: Bearer $TOKEN" \
      -H "Content-Type: text/plain" --data-binary \
      "select count(distinct report_token || esp) from staging.ncmec_referrals" \
      http://127.0.0.1:18080/api/v1/sql
  done ) > "$WORK/hostile.txt" 2>&1 &
HOSTILE=$!
LOAD_M=$(run obs-marsad-under-load "http://127.0.0.1:18080/api/v1/indicators/$INDICATOR/observations?format=json")
wait $HOSTILE || true
kill $SAMPLER 2>/dev/null || true
PEAK_RSS=$(sort -n "$RSS_LOG" | tail -1)

echo
echo "rows: $ROWS   connections: $CONNECTIONS   duration: $DURATION (GROUP BY: $GROUP_DURATION)   cores: $(nproc)   $(date -u +%Y-%m-%d)"
echo "marsad: concurrency $MARSAD_QUERY_CONCURRENCY × memory $MEMORY, queue 64"
echo "| run | answers (2xx)/s | requests/s | p50 (ms) | p99 (ms) | errors |"
echo "|---|---|---|---|---|---|"
for line in "$OBS_M" "$OBS_D" "$GRP_M" "$GRP_D" "$LOAD_M"; do
  set -- $line; echo "| $1 | $6 | $2 | $3 | $4 | $5 |"
done
ratio() { awk "BEGIN { if ($2 > 0) printf \"%.1f\", $1 / $2; else printf \"∞ (the peer answered none)\" }"; }
set -- $OBS_M; om=$6; oq=$4; set -- $OBS_D; od=$6; set -- $GRP_M; gm=$6; set -- $GRP_D; gd=$6; set -- $LOAD_M; lq=$4; le=$5
echo
echo "observations: marsad / Datasette $DATASETTE_VERSION = $(ratio "$om" "$od")× (target ≥ 10×)"
echo "group by:     marsad / Datasette $DATASETTE_VERSION = $(ratio "$gm" "$gd")× (target ≥ 20×)"
echo "p99 under a hungry and a slow query: $(ratio "$lq" "$oq")× the quiet run (target ≤ 2×), $le errors"
echo "server RSS: $((BASE_RSS / 1024)) MB before the GROUP BY run, peak $((PEAK_RSS / 1024)) MB during the load run (query memory: $MARSAD_QUERY_CONCURRENCY × $MEMORY)"
echo "hostile answers: $(tr '\n' ' ' < "$WORK/hostile.txt")"
