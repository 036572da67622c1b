#!/usr/bin/env bash
# Benchmark (issue #3): recompute the whole indicator catalogue over a warehouse holding every
# sample plus N synthetic NCMEC referral rows (default 36,000,000), side by side in the same run
# with DuckDB running the same SQL files (sql/views/, sql/indicators/) over the same Parquet
# files. Also compares one raw scan of the N referral rows by both engines. Prints wall time and
# peak RSS (/usr/bin/time) — the median wall time of $RUNS runs (default 5) after a warm-up run,
# and the largest peak RSS — and checks that both engines give the same results.
# Targets: marsad ≤ 1.2 × DuckDB's wall time; peak RSS ≤ 2 GB.
#
#   benches/indicators_recompute.sh
#   ROWS=1000000 benches/indicators_recompute.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source benches/common.sh
bench_setup
CSV=$(referrals_csv)

WH="$WORK/warehouse-indicators-$ROWS"
if [ ! -f "$WH/.loaded" ]; then
  rm -rf "$WH"
  echo "loading the samples and $ROWS referral rows into $WH…" >&2
  "$MARSAD" --data-dir "$WH" ingest --samples >/dev/null
  "$MARSAD" --data-dir "$WH" ingest ncmec-referrals "$CSV" >/dev/null
  touch "$WH/.loaded"
fi
PY="$VENV/bin/python"

# Whole catalogue: marsad computes and stores the observations; DuckDB runs the same SQL.
RUNS=${RUNS:-5}
M=$(measure_median compute-marsad "$RUNS" "$MARSAD" --data-dir "$WH" indicators compute)
D=$(measure_median compute-duckdb "$RUNS" "$PY" benches/duckdb_catalogue.py "$WH")

# One raw scan of the referral rows (what the roll-up saves the indicators from).
SCAN="select year, count(*) as reports, count(*) filter (where region_code is null) as unknown_region from staging.ncmec_referrals group by year order by year"
MS=$(measure_median scan-marsad "$RUNS" "$MARSAD" --data-dir "$WH" sql --format csv "$SCAN")
DS=$(measure_median scan-duckdb "$RUNS" "$PY" benches/duckdb_catalogue.py "$WH" "$SCAN")

# Same results? Per indicator: number of observations and sum of values.
"$MARSAD" --data-dir "$WH" sql --format csv "select indicator_id, count(*) as n, sum(value) as total from indicators.observations where snapshot_id = (select max(snapshot_id) from indicators.observations) group by indicator_id order by indicator_id" \
  | tail -n +2 | grep -v '^SDG_16_2_3,' | awk -F, '{ printf "%s,%s,%.6f\n", $1, $2, $3 }' > "$WORK/results-marsad.csv"
sort "$WORK/stdout-compute-duckdb.txt" > "$WORK/results-duckdb.csv"
if diff -q "$WORK/results-marsad.csv" "$WORK/results-duckdb.csv" >/dev/null; then AGREE=yes; else AGREE="NO (see $WORK/results-*.csv)"; fi
tail -n +2 "$WORK/stdout-scan-marsad.txt" > "$WORK/scan-marsad.csv"
if diff -q "$WORK/scan-marsad.csv" "$WORK/stdout-scan-duckdb.txt" >/dev/null; then SCAN_AGREE=yes; else SCAN_AGREE="NO"; fi

echo
echo "referral rows: $ROWS   cores: $(nproc)   $(date -u +%Y-%m-%d)   DuckDB $DUCKDB_VERSION"
echo "| run (median of $RUNS after a warm-up) | wall (s) | peak RSS (MB) |"
echo "|---|---|---|"
row "marsad indicators compute (all 18 indicators, stored)" "$M"
row "DuckDB, same SQL over the same Parquet files (17: no survey aggregate)" "$D"
row "marsad sql: raw scan of the referral rows" "$MS"
row "DuckDB: the same raw scan" "$DS"
echo
echo "catalogue results agree (rows and sum of values per indicator): $AGREE"
echo "raw scan results agree: $SCAN_AGREE"
