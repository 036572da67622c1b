#!/usr/bin/env bash
# Benchmark (issue #18): the time to render each dashboard page from the warehouse (the samples,
# loaded once into $WORK/warehouse-pages), served by `marsad serve`:
#   - cold: each page's first request after the server starts (pages found by following the
#     links from /fr/, /ar/ and /en/; the very first request also opens the snapshot), timed
#     from this machine's loopback (target ≤ 500 ms each);
#   - cached: wrk (Debian), 20 connections, on each page without a query string for
#     PAGE_DURATION (default 3s), then on all pages in turn for DURATION (default 20s)
#     (target: p99 ≤ 50 ms); /healthz under the same load is printed as the floor.
# Uses the release build when one exists (BUILD=release builds it), else the debug build, and
# says which: debug figures are no verdict on the targets.
#
#   benches/pages.sh
#   BUILD=release DURATION=30s benches/pages.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source benches/common.sh
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
CONNECTIONS=${CONNECTIONS:-20}
DURATION=${DURATION:-20s}
PAGE_DURATION=${PAGE_DURATION:-3s}

if [ -z "${BUILD:-}" ]; then
  if [ -x "$CARGO_TARGET_DIR/release/marsad" ]; then BUILD=release; else BUILD=debug; fi
fi
case "$BUILD" in
  release) MARSAD="$CARGO_TARGET_DIR/release/marsad"; echo "building marsad (release)…" >&2; cargo build --release --quiet --bin marsad ;;
  debug) MARSAD="$CARGO_TARGET_DIR/debug/marsad"; echo "building marsad (debug)…" >&2; cargo build --quiet --bin marsad ;;
  *) echo "BUILD must be release or debug, not $BUILD" >&2; exit 2 ;;
esac

WH="$WORK/warehouse-pages"
if [ ! -f "$WH/.loaded" ]; then
  rm -rf "$WH"
  echo "loading the samples into $WH…" >&2
  "$MARSAD" --data-dir "$WH" ingest --samples >/dev/null
  "$MARSAD" --data-dir "$WH" indicators compute >/dev/null
  touch "$WH/.loaded"
fi
release_latest "$WH"

LOG="$WORK/pages-serve.log"
"$MARSAD" --data-dir "$WH" serve --listen 127.0.0.1:0 --pg-listen 127.0.0.1:0 > "$LOG" 2>&1 &
MARSAD_PID=$!
trap 'kill $MARSAD_PID 2>/dev/null || true' EXIT
BASE=
for _ in $(seq 600); do
  BASE=$(sed -n 's|^ *health: *\(http://[^ ]*\)/healthz$|\1|p' "$LOG")
  [ -n "$BASE" ] && break
  kill -0 $MARSAD_PID 2>/dev/null || { echo "marsad serve exited:" >&2; cat "$LOG" >&2; exit 1; }
  sleep 0.2
done
[ -n "$BASE" ] || { echo "marsad serve printed no address within 120 s:" >&2; cat "$LOG" >&2; exit 1; }

# Cold: every page once, in the order the links are found (so each is its first request).
COLD="$WORK/pages-cold.tsv"
python3 - "$BASE" > "$COLD" <<'PY'
import html, re, sys, time, urllib.error, urllib.parse, urllib.request

base = sys.argv[1]
download = re.compile(r"\.(csv|parquet|json|zip|svg|png|xml|txt|geojson|css|js|ico)$", re.I)
queue = [f"{base}/{lang}/" for lang in ("fr", "ar", "en")]
seen = set(queue)
while queue:
    url = queue.pop(0)
    start = time.perf_counter()
    try:
        with urllib.request.urlopen(url) as r:
            body, status = r.read(), r.status
    except urllib.error.HTTPError as e:
        body, status = e.read(), e.code
    ms = (time.perf_counter() - start) * 1000
    path = url[len(base):]
    print(f"{path}\t{ms:.1f}\t{status}", flush=True)
    for href in re.findall(r'href="([^"]*)"', body.decode("utf-8", "replace")):
        link = urllib.parse.urljoin(url, html.unescape(href)).split("#")[0]
        if link.startswith(base + "/") and not download.search(urllib.parse.urlsplit(link).path) and link not in seen:
            seen.add(link)
            queue.append(link)
PY

# Cached: each page alone, then all of them in turn (a Lua script cycling over the paths).
run() {
  local label=$1; shift
  local out="$WORK/wrk-pages-$label.txt"
  wrk -t2 -c"$CONNECTIONS" --latency "$@" > "$out"
  wrk_summary "$label" "$out"
}
LUA="$WORK/pages-all.lua"
{
  echo "paths = {"
  cut -f1 "$COLD" | sed 's/\\/\\\\/g; s/"/\\"/g; s/.*/  "&",/'
  echo "}"
  echo 'i = 0'
  echo 'request = function() i = i % #paths + 1; return wrk.format("GET", paths[i]) end'
} > "$LUA"

echo
echo "build: $BUILD ($MARSAD, built $(date -u -r "$MARSAD" '+%Y-%m-%d %H:%M UTC'))   cores: $(nproc)   connections: $CONNECTIONS   $(date -u +%Y-%m-%d)"
echo "first request after start: $(head -1 "$COLD" | cut -f1) $(head -1 "$COLD" | cut -f2) ms"
echo
echo "| page | cold (ms) | status | cached p50 (ms) | cached p99 (ms) | cached req/s | errors |"
echo "|---|---|---|---|---|---|---|"
while IFS=$'\t' read -r path ms status; do
  if [[ "$path" == *\?* ]]; then
    echo "| $path | $ms | $status | | | | |"
  else
    set -- $(run page -d"$PAGE_DURATION" "$BASE$path")
    echo "| $path | $ms | $status | $3 | $4 | $2 | $5 |"
  fi
done < "$COLD"
set -- $(run all -d"$DURATION" -s "$LUA" "$BASE/")
ALL_P99=$4
echo "| all $(wc -l < "$COLD") pages in turn ($DURATION) | | | $3 | $4 | $2 | $5 |"
# The floor: an answer that reads nothing from the warehouse, under the same load.
set -- $(run healthz -d"$PAGE_DURATION" "$BASE/healthz")
echo "| /healthz (for comparison: no warehouse read, no page) | | | $3 | $4 | $2 | $5 |"
echo
MEDIAN=$(cut -f2 "$COLD" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
awk -F'\t' -v build="$BUILD" -v p99="$ALL_P99" -v median="$MEDIAN" '
  { n++; if ($2 + 0 > max) { max = $2 + 0; worst = $1 } if ($2 + 0 > 500) over++; if ($3 != 200) bad++ }
  END {
    printf "cold: %d pages, median %.1f ms, max %.1f ms (%s); %d over 500 ms; %d not 200 (target ≤ 500 ms)\n", n, median, max, worst, over, bad
    printf "cached, all pages in turn: p99 %.2f ms (target ≤ 50 ms)\n", p99
    if (build == "debug") print "(debug build: the targets are for the release build)"
  }' "$COLD"
