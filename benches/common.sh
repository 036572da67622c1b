# Shared by the benchmark scripts (sourced): the release build of marsad, DuckDB (PyPI) in a
# virtual environment, the synthetic referral CSV, and measuring a command's wall time and peak
# RSS with /usr/bin/time.
ROWS=${ROWS:-36000000}
WORK=${WORK:-$HOME/.cache/marsad/bench}
VENV=$HOME/.cache/marsad/bench-venv
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/marsad/target}"
export MARSAD_PSEUDONYM_KEY=${MARSAD_PSEUDONYM_KEY:-benchmark-key-0123456789}
MARSAD="$CARGO_TARGET_DIR/release/marsad"
mkdir -p "$WORK"

bench_setup() {
  command -v /usr/bin/time >/dev/null || { apt-get update -qq && apt-get install -y -qq time; }
  if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet duckdb
  fi
  DUCKDB_VERSION=$("$VENV/bin/python" -c 'import duckdb; print(duckdb.__version__)')
  echo "building marsad (release)…" >&2
  cargo build --release --quiet
}

# The synthetic referral CSV of $ROWS rows (written once, then reused).
referrals_csv() {
  local csv="$WORK/referrals-$ROWS.csv"
  if [ ! -s "$csv" ]; then
    echo "generating $ROWS rows…" >&2
    "$MARSAD" gen ncmec-referrals --rows "$ROWS" --out "$csv" >&2
  fi
  echo "$csv"
}

# measure LABEL COMMAND… → prints "LABEL WALL_SECONDS PEAK_KB CPU_SECONDS" (CPU = user +
# system); stdout of the command goes to $WORK/stdout-LABEL.txt, stderr to $WORK/stderr-LABEL.txt.
measure() {
  local label=$1; shift
  local out="$WORK/time-$label.txt"
  sync
  if ! /usr/bin/time -f "%e %M %U %S" -o "$out" "$@" >"$WORK/stdout-$label.txt" 2>"$WORK/stderr-$label.txt"; then
    echo "$label failed:" >&2; cat "$WORK/stderr-$label.txt" >&2; return 1
  fi
  local wall kb user sys
  read -r wall kb user sys < "$out"
  echo "$label $wall $kb $(awk "BEGIN { print $user + $sys }")"
}

# warm FILE: read FILE once so that the next tool finds it in the page cache (each tool is
# measured on the same footing, whatever ran before it).
warm() {
  cat "$1" >/dev/null
}

# row LABEL "LABEL WALL PEAK_KB" → a Markdown table row
row() {
  set -- "$1" $2
  echo "| $1 | $3 | $(( $4 / 1024 )) |"
}

# measure_median LABEL RUNS COMMAND… → "LABEL MEDIAN_WALL MAX_PEAK_KB" over RUNS runs after one
# warm-up run (for short commands, where one run is noise and the first pays for a cold cache).
measure_median() {
  local label=$1 runs=$2; shift 2
  measure "$label" "$@" >/dev/null
  local walls=() peak=0 line
  for _ in $(seq "$runs"); do
    line=$(measure "$label" "$@")
    walls+=("$(echo "$line" | cut -d' ' -f2)")
    local kb; kb=$(echo "$line" | cut -d' ' -f3)
    [ "$kb" -gt "$peak" ] && peak=$kb
  done
  local median; median=$(printf '%s\n' "${walls[@]}" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
  echo "$label $median $peak"
}

# wrk_summary LABEL FILE → "LABEL REQ_PER_S P50_MS P99_MS ERRORS OK_PER_S" from the output of
# `wrk --latency` in FILE (errors: non-2xx answers and socket errors, timeouts included; OK_PER_S:
# the 2xx answers per second, what a rate is compared on when a server may answer 503).
wrk_summary() {
  awk -v label="$1" '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /m$/) return v * 60000; if (v ~ /s$/) return v * 1000; return v }
    / requests in / { requests = $1; d = $4; sub(/,$/, "", d); seconds = ms(d) / 1000 }
    /Requests\/sec/ { rps = $2 }
    /^ +50%/ { p50 = ms($2) }
    /^ +99%/ { p99 = ms($2) }
    /Non-2xx/ { errors += $NF; non2xx = $NF }
    /Socket errors/ { errors += $4 + $6 + $8 + $10 }
    END { printf "%s %s %.2f %.2f %d %.3f\n", label, rps, p50, p99, errors, (seconds > 0 ? (requests - non2xx) / seconds : 0) }' "$2"
}

# release_latest DATA_DIR: publish the latest snapshot as the release `bench` (the public reads
# releases, issue #19), once.
release_latest() {
  local snapshot
  if "$MARSAD" --data-dir "$1" release list | grep -q '^bench	'; then return; fi
  snapshot=$("$MARSAD" --data-dir "$1" sql --format csv "select max(snapshot_id) from registry.snapshots" | tail -1)
  "$MARSAD" --data-dir "$1" release create --name bench --by bench --snapshot "$snapshot" >/dev/null
}
