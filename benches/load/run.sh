#!/usr/bin/env bash
# Load figures for docs/performance.md, all measured in one run on this machine, on loopback only.
# Run with `bash benches/load/run.sh` (about three minutes). Needs wrk (Debian package `wrk`) and, for
# the seed comparison, python3 with flask, gunicorn and prometheus_client (pip).
set -euo pipefail
cd "$(dirname "$0")/../.."
HERE=benches/load
SECONDS_EACH=${SECONDS_EACH:-10}   # length of each wrk run
REQUESTS=${REQUESTS:-1000000}      # requests before the second memory reading
TOUR=127.0.0.1:5091 STORM=127.0.0.1:5092 BARE=127.0.0.1:5099 SEED=127.0.0.1:5098

command -v wrk >/dev/null || { echo "wrk not found: apt-get install wrk" >&2; exit 1; }
cargo build --release --quiet --bin metrics-tour --example bare_poem --example upload_storm
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT
target/release/metrics-tour --listen $TOUR --upload-seconds 1..2 2>/dev/null & pids+=($!); tour_pid=$!
target/release/examples/bare_poem $BARE & pids+=($!)
if python3 -c 'import flask, gunicorn, prometheus_client' 2>/dev/null; then
  (cd $HERE && exec python3 -m gunicorn -w 2 -b $SEED --log-level warning seed_flask:app) & pids+=($!)
else
  echo "seed comparison skipped: pip install flask gunicorn prometheus_client" >&2; SEED=""
fi
sleep 2

rss_kib() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
requests_served() {
  curl -s "http://$TOUR/metrics?name[]=http_requests_total" |
    awk '/^http_requests_total/ {sum += $2} END {printf "%d", sum}'
}
# Requests per second that wrk measured; POST unless a second argument says GET.
rps() {
  local url=$1 script=()
  [ "${2:-POST}" = POST ] && script=(-s $HERE/post.lua)
  wrk -t2 -c32 -d"${SECONDS_EACH}s" "${script[@]}" "$url" | awk '/Requests\/sec/ {printf "%d", $2}'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }

idle=$(rss_kib $tour_pid)
echo "resident memory at idle: $idle KiB"

bare=$(rps "http://$BARE/")
echo "bare poem POST handler: $bare req/s"
for route in /counter /gauge/inc "/summary?value=0.1"; do
  got=$(rps "http://$TOUR$route")
  echo "POST $route: $got req/s = $(ratio "$got" "$bare")x the bare handler (target >= 0.8x)"
done

metrics=$(rps "http://$TOUR/metrics" GET)
echo "GET /metrics (tour): $metrics req/s"
if [ -n "$SEED" ]; then
  seed=$(rps "http://$SEED/metrics" GET)
  echo "GET /metrics (seed, Flask on gunicorn -w 2): $seed req/s; tour = $(ratio "$metrics" "$seed")x (target >= 5x)"
fi

target/release/metrics-tour --listen $STORM --upload-seconds 1..2 2>/dev/null & pids+=($!)
sleep 1
target/release/examples/upload_storm $STORM 2000

# Memory after ten thousand requests, then after $REQUESTS (wrk until the counter passes it).
while [ "$(requests_served)" -lt 10000 ]; do wrk -t1 -c8 -d1s -s $HERE/post.lua "http://$TOUR/counter" >/dev/null; done
after_10k=$(rss_kib $tour_pid)
for _ in $(seq 1 30); do
  [ "$(requests_served)" -ge "$REQUESTS" ] && break
  wrk -t2 -c32 -d"${SECONDS_EACH}s" -s $HERE/post.lua "http://$TOUR/counter" >/dev/null
done
served=$(requests_served)
after_1m=$(rss_kib $tour_pid)
echo "resident memory: $after_10k KiB after 10k requests, $after_1m KiB after $served; ratio $(ratio "$after_1m" "$after_10k") (target <= 1.10)"
