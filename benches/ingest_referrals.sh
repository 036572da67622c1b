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
# environment under $HOME/.cache/marsad/bench-venv. Needs about 3× the CSV size of free disk.
#
# What the key check of re-sent records costs (issue #14): the first ingest goes into an empty
# table (every record new: one count per file); the second sends the same N referrals again
# under other bytes (a blank line appended), so every key is checked against the N staged
# (sort-merge join, spilling pool of 1.5 GiB) and all N earlier rows are replaced. The difference
# of the two runs is the cost of the key check and the rewrite.
set -euo pipefail
cd "$(dirname "$0")/.."
source benches/common.sh
bench_setup
CSV=$(referrals_csv)
BYTES=$(stat -c %s "$CSV")

rm -rf "$WORK/warehouse" "$WORK/duckdb.parquet"
warm "$CSV"
M=$(measure marsad "$MARSAD" --data-dir "$WORK/warehouse" ingest ncmec-referrals "$CSV")
cp "$CSV" "$WORK/resent.csv"
echo >> "$WORK/resent.csv"
warm "$WORK/resent.csv"
R=$(measure marsad-resent "$MARSAD" --data-dir "$WORK/warehouse" ingest ncmec-referrals "$WORK/resent.csv")
rm -f "$WORK/resent.csv"
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
row "marsad: the same referrals sent again (key check + replace of N records)" "$R"
row "DuckDB $DUCKDB_VERSION (csv → parquet)" "$D"
