#!/usr/bin/env bash
# Benchmark (issue #2): ingest of N synthetic NCMEC referral rows (default 36,000,000, about one
# year of global CyberTipline volume) into the warehouse, side by side in the same run with
# DuckDB (its PyPI package) converting the same CSV to Parquet. Prints wall time and peak RSS of
# both, measured by /usr/bin/time. Targets: Marsad peak RSS ≤ 2 GB; wall time ≤ DuckDB's.
#
#   benches/ingest_referrals.sh            # 36M rows
#   ROWS=1000000 benches/ingest_referrals.sh
#
# Builds marsad in release (tens of minutes cold on 2 cores) and installs duckdb into a virtual
# environment under $HOME/.cache/marsad/bench-venv. Needs about 2× the CSV size of free disk.
set -euo pipefail
cd "$(dirname "$0")/.."
source benches/common.sh
bench_setup
CSV=$(referrals_csv)
BYTES=$(stat -c %s "$CSV")

rm -rf "$WORK/warehouse" "$WORK/duckdb.parquet"
warm "$CSV"
M=$(measure marsad "$MARSAD" --data-dir "$WORK/warehouse" ingest ncmec-referrals "$CSV")
warm "$CSV"
D=$(measure duckdb "$VENV/bin/python" -c "
import duckdb
duckdb.sql(\"copy (select * from read_csv('$CSV', header = true)) to '$WORK/duckdb.parquet' (format parquet)\")
")

echo
echo "rows: $ROWS   csv: $((BYTES / 1000000)) MB   cores: $(nproc)   $(date -u +%Y-%m-%d)"
echo "| tool | wall (s) | peak RSS (MB) |"
echo "|---|---|---|"
row "marsad ingest ncmec-referrals (release)" "$M"
row "DuckDB $DUCKDB_VERSION (csv → parquet)" "$D"
