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

ROWS=${ROWS:-36000000}
WORK=${WORK:-$HOME/.cache/marsad/bench}
VENV=$HOME/.cache/marsad/bench-venv
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/marsad/target}"
mkdir -p "$WORK"

command -v /usr/bin/time >/dev/null || { apt-get update -qq && apt-get install -y -qq time; }
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet duckdb
fi

echo "building marsad (release)…" >&2
cargo build --release --quiet
MARSAD="$CARGO_TARGET_DIR/release/marsad"

CSV="$WORK/referrals-$ROWS.csv"
if [ ! -s "$CSV" ]; then
  echo "generating $ROWS rows…" >&2
  "$MARSAD" gen ncmec-referrals --rows "$ROWS" --out "$CSV"
fi
BYTES=$(stat -c %s "$CSV")

measure() { # label, command… → "label wall_s peak_kb"
  local label=$1; shift
  local out="$WORK/time-$label.txt"
  sync; /usr/bin/time -f "%e %M" -o "$out" "$@" >/dev/null 2>"$WORK/stderr-$label.txt"
  echo "$label $(cat "$out")"
}

rm -rf "$WORK/warehouse" "$WORK/duckdb.parquet"
M=$(MARSAD_PSEUDONYM_KEY=benchmark-key-0123456789 measure marsad \
      "$MARSAD" --data-dir "$WORK/warehouse" ingest ncmec-referrals "$CSV")
D=$(measure duckdb "$VENV/bin/python" -c "
import duckdb, sys
duckdb.sql(\"copy (select * from read_csv('$CSV', header = true)) to '$WORK/duckdb.parquet' (format parquet)\")
")
DUCKDB_VERSION=$("$VENV/bin/python" -c 'import duckdb; print(duckdb.__version__)')

echo
echo "rows: $ROWS   csv: $((BYTES / 1000000)) MB   cores: $(nproc)   $(date -u +%Y-%m-%d)"
echo "| tool | wall (s) | peak RSS (MB) |"
echo "|---|---|---|"
for line in "$M" "$D"; do
  set -- $line
  name=$1
  [ "$name" = duckdb ] && name="DuckDB $DUCKDB_VERSION (csv → parquet)"
  [ "$name" = marsad ] && name="marsad ingest ncmec-referrals"
  echo "| $name | $2 | $(( $3 / 1024 )) |"
done
