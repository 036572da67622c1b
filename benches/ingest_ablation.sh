#!/usr/bin/env bash
# Diagnostic benchmark (issue #2): what each part of the ingest that DuckDB's CSV → Parquet
# conversion does not do costs at N rows (default 36,000,000). Builds Marsad in release with
# benches/ingest_ablation.patch applied (a throw-away patch: MARSAD_ABLATE=hash,hmac,lineage,
# archive switches those parts off) in its own source copy, then runs the
# ingest with nothing switched off, with each part switched off alone, with all of them off, and
# DuckDB, all in one run. Prints wall time, CPU time and peak RSS of each (/usr/bin/time).
#
#   benches/ingest_ablation.sh
#   ROWS=1000000 benches/ingest_ablation.sh
#
# The ablation build shares the benchmarks' target directory, so only Marsad's own crates are
# rebuilt; its binary is copied to $WORK/marsad-ablation and the real binary is put back by a
# second (no-op) build of this checkout.
# When /proc/sys/vm/drop_caches is writable (root), the page cache is emptied before each run
# so that no run inherits another's dirty pages; the CSV is then read once, as in
# benches/ingest_referrals.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
source benches/common.sh
bench_setup
CSV=$(referrals_csv)

SRC="$WORK/ablation-src"
rm -rf "$SRC" && mkdir -p "$SRC"
git archive HEAD | tar -x -C "$SRC"
git -C "$SRC" init -q && git -C "$SRC" apply "$PWD/benches/ingest_ablation.patch"
echo "building the ablation build (release)…" >&2
(cd "$SRC" && cargo build --release --quiet)
ABLATED="$WORK/marsad-ablation"
cp "$MARSAD" "$ABLATED"
rm -f "$MARSAD"
cargo build --release --quiet
if [ ! -x "$MARSAD" ] || cmp -s "$MARSAD" "$ABLATED"; then
  echo "could not put the real release binary back at $MARSAD" >&2
  exit 1
fi

settle() {
  sync
  if [ -w /proc/sys/vm/drop_caches ]; then echo 3 > /proc/sys/vm/drop_caches; fi
  warm "$CSV"
}
# run LABEL COMMAND… → "| LABEL | wall | CPU | peak MB |"
run() {
  local label=$1; shift
  settle
  local line
  line=$(measure ablation "$@") || return 1
  set -- "$label" $line
  echo "| $1 | $3 | $5 | $(( $4 / 1024 )) |"
}
marsad() {
  rm -rf "$WORK/warehouse-ablation"
  run "marsad, off: ${1:-nothing}" env MARSAD_ABLATE="$1" "$ABLATED" \
    --data-dir "$WORK/warehouse-ablation" ingest ncmec-referrals "$CSV"
}

echo
echo "rows: $ROWS   csv: $(( $(stat -c %s "$CSV") / 1000000 )) MB   cores: $(nproc)   $(date -u +%Y-%m-%d)"
echo "| run | wall (s) | CPU (s) | peak RSS (MB) |"
echo "|---|---|---|---|"
marsad ""
for part in hash hmac lineage archive; do marsad "$part"; done
marsad "hash,hmac,lineage,archive"
rm -f "$WORK/duckdb-ablation.parquet"
run "DuckDB $DUCKDB_VERSION (csv → parquet)" "$VENV/bin/python" -c "
import duckdb
duckdb.sql(\"copy (select * from read_csv('$CSV', header = true)) to '$WORK/duckdb-ablation.parquet' (format parquet)\")
"
rm -rf "$WORK/warehouse-ablation" "$WORK/duckdb-ablation.parquet"
