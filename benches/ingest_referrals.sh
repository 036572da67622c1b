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
# environment under $HOME/.cache/marsad/bench-venv. Needs about 4× the CSV size of free disk
# besides the CSV (the copy sent again, Marsad's archive of both and their Parquet; the key
# check spills to disk).
#
# What the key check of re-sent records costs (issue #14): the first ingest goes into an empty
# table (every record new: one count per file); the second sends the same N referrals again
# under other bytes (a blank line appended), so every key is checked against the N staged
# (sort-merge join, spilling pool of 1.5 GiB) and all N earlier rows are replaced. The difference
# of the two runs is the cost of the key check and the rewrite.
#
# DuckDB runs twice (issue #17): the bare conversion (csv → parquet), and the work Marsad's
# ingest also does, in one process: the file's sha256 (hashlib, streamed), the archive copy
# (shutil), a keyed sha256 per report id (DuckDB's sha256 over key || id: DuckDB has no HMAC, so
# this is one hash per id where Marsad's HMAC does two), and the file name and line number on
# every row (read_csv's filename column; row_number() in file order).
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
# Marsad's warehouse (two archived copies of the CSV and their Parquet) is not read again: freed
# before DuckDB writes its own copy, so the run needs about 4× the CSV of free disk, not 6×.
rm -rf "$WORK/warehouse"
warm "$CSV"
D=$(measure duckdb "$VENV/bin/python" -c "
import duckdb
duckdb.sql(\"copy (select * from read_csv('$CSV', header = true)) to '$WORK/duckdb.parquet' (format parquet)\")
")
warm "$CSV"
rm -rf "$WORK/duckdb-archive"; mkdir -p "$WORK/duckdb-archive"
W=$(measure duckdb-same-work "$VENV/bin/python" -c "
import duckdb, hashlib, shutil
h = hashlib.sha256()
with open('$CSV', 'rb') as f:
    for block in iter(lambda: f.read(1 << 20), b''):
        h.update(block)
shutil.copyfile('$CSV', '$WORK/duckdb-archive/' + h.hexdigest() + '.csv')
duckdb.sql('''
copy (
  select sha256('$MARSAD_PSEUDONYM_KEY' || \"Report ID\") as report_token,
         * exclude (\"Report ID\", filename),
         filename as _source_file,
         row_number() over () + 1 as _source_line
  from read_csv('$CSV', header = true, filename = true)
) to '$WORK/duckdb.parquet' (format parquet)
''')
")
rm -rf "$WORK/duckdb-archive" "$WORK/duckdb.parquet"

echo
echo "rows: $ROWS   csv: $((BYTES / 1000000)) MB   cores: $(nproc)   $(date -u +%Y-%m-%d)"
echo "| tool | wall (s) | peak RSS (MB) |"
echo "|---|---|---|"
row "marsad ingest ncmec-referrals (release)" "$M"
row "marsad: the same referrals sent again (key check + replace of N records)" "$R"
row "DuckDB $DUCKDB_VERSION (csv → parquet)" "$D"
row "DuckDB $DUCKDB_VERSION (sha256 + archive copy + keyed hash per id + file and line per row)" "$W"
