#!/usr/bin/env bash
# Load figures for docs/performance.md, all measured in one run on this machine, on loopback only.
# Run with `bash benches/load/run.sh` (about six minutes). Needs wrk (Debian package `wrk`) and, for
# the seed comparison, python3 with flask, gunicorn and prometheus_client (pip). The hostile run at the
# end opens 21,000 connections from 127.0.0.2 and 127.0.0.3, then HTTP/2 and dripping uploads from
# 127.0.0.2 to 127.0.0.8 (Linux routes all of 127/8 to loopback).
set -euo pipefail
cd "$(dirname "$0")/../.."
HERE=benches/load
SECONDS_EACH=${SECONDS_EACH:-10}   # length of each wrk run
REQUESTS=${REQUESTS:-1000000}      # requests before the second memory reading
TOUR=127.0.0.1:5091 STORM=127.0.0.1:5092 HOSTILE=127.0.0.1:5093 BARE=127.0.0.1:5099 SEED=127.0.0.1:5098
# Quick mode (SECONDS_EACH under 5, as the docs test runs it): a tenth of the crowd, short timeouts.
if [ "$SECONDS_EACH" -lt 5 ]; then
  HEADS=300 UPLOADS=200 HANG_UPS=20 LATER=300 HOLD=8 SETTLE=1 TIMEOUTS="--header-timeout 4 --body-timeout 4"
  H2=20 H2_HOLD=4 DRIPS=110 SMALL_MIB=0.05 LARGE_MIB=8 CRUMBS_MIB=4
else
  HEADS=10500 UPLOADS=2000 HANG_UPS=100 LATER=3000 HOLD=75 SETTLE=5 TIMEOUTS=""
  H2=200 H2_HOLD=15 DRIPS=1100 SMALL_MIB=4 LARGE_MIB=1024 CRUMBS_MIB=256
fi
# Each attacking process holds up to $HEADS sockets, the tour up to --max-connections.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

command -v wrk >/dev/null || { echo "wrk not found: apt-get install wrk" >&2; exit 1; }
# PROFILE=dev (as the docs test runs the quick mode) reuses the test build: it checks the script runs, and
# measures nothing worth quoting.
PROFILE=${PROFILE:-release}
cargo build --profile "$PROFILE" --quiet --bin metrics-tour --example bare_poem --example upload_storm \
  --example hostile_clients --example h2_stall --example chunked_uploads
BUILT=${CARGO_TARGET_DIR:-target}/$([ "$PROFILE" = dev ] && echo debug || echo "$PROFILE")
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT
$BUILT/metrics-tour --listen $TOUR --upload-seconds 1..2 2>/dev/null & pids+=($!); tour_pid=$!
$BUILT/examples/bare_poem $BARE & pids+=($!)
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
  [ "$route" = /counter ] && counter_quiet=$got
done

metrics=$(rps "http://$TOUR/metrics" GET)
echo "GET /metrics (tour): $metrics req/s"
if [ -n "$SEED" ]; then
  seed=$(rps "http://$SEED/metrics" GET)
  echo "GET /metrics (seed, Flask on gunicorn -w 2): $seed req/s; tour = $(ratio "$metrics" "$seed")x (target >= 5x)"
fi

$BUILT/metrics-tour --listen $STORM --upload-seconds 1..2 --max-connections-per-client 2000 2>/dev/null & pids+=($!)
sleep 1
$BUILT/examples/upload_storm $STORM 2000

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

# Under attack: each attack against a fresh tour with the default bounds (uploads of 60 s, so a
# hang-up that went unnoticed would show), from other loopback addresses while 127.0.0.1 measures.
# The tour of the 1-byte chunk case answers at once instead (`fresh_tour 0..0`).
hostile_pid=""
fresh_tour() {
  [ -n "$hostile_pid" ] && kill "$hostile_pid" && wait "$hostile_pid" 2>/dev/null || true
  $BUILT/metrics-tour --listen $HOSTILE --upload-seconds "${1:-60..60}" $TIMEOUTS 2>/dev/null & pids+=($!); hostile_pid=$!
  sleep 1
  idle_kib=$(rss_kib $hostile_pid)
}
attack() { $BUILT/examples/hostile_clients $HOSTILE "$@"; }
metric() {
  curl -s -g "http://$HOSTILE/metrics?name[]=$1" | awk -v name="$1" '$1 == name {print $2}'
}

fresh_tour
attack heads $HEADS 127.0.0.2 $HOLD & a=$!
attack heads $HEADS 127.0.0.3 $HOLD & b=$!
sleep $SETTLE
healthz=$(curl -s -o /dev/null -w '%{http_code} in %{time_total} s' --max-time 10 "http://$HOSTILE/healthz" || echo "no answer")
echo "$((2 * HEADS)) stalled heads from 127.0.0.2 and 127.0.0.3: GET /healthz from 127.0.0.1 answered $healthz (target: within 1 s); resident memory $(rss_kib $hostile_pid) KiB, $idle_kib KiB before (target < 204800)"
under=$(rps "http://$HOSTILE/counter")
echo "POST /counter during that attack: $under req/s = $(ratio "$under" "$counter_quiet")x the quiet tour's"
wait $a $b

fresh_tour
attack heads $((LATER / 2)) 127.0.0.6 $HOLD & a=$!
attack heads $((LATER / 2)) 127.0.0.7 $HOLD & b=$!
sleep $SETTLE
echo "$LATER stalled heads from 127.0.0.6 and 127.0.0.7: resident memory $(rss_kib $hostile_pid) KiB, $idle_kib KiB before (target < 102400)"
wait $a $b

fresh_tour
attack uploads $UPLOADS 127.0.0.4 $HOLD & a=$!
attack pipelined $HANG_UPS 127.0.0.5 $HOLD
sleep $SETTLE
echo "$UPLOADS stalled uploads (10 MB announced, 60 KB sent) and $HANG_UPS clients that pipelined 3 uploads then hung up: resident memory $(rss_kib $hostile_pid) KiB, $idle_kib KiB before; file_uploads_in_progress $(metric file_uploads_in_progress), uploads observed $(metric file_upload_duration_seconds_count) (target 0 and 0)"
under=$(rps "http://$HOSTILE/counter")
echo "POST /counter during that attack: $under req/s = $(ratio "$under" "$counter_quiet")x the quiet tour's"
wait $a
echo "after the attack: resident memory $(rss_kib $hostile_pid) KiB"

# HTTP/2 clients that read nothing: $H2 connections from one address, each asking for the anatomy page
# on as many streams as the tour lets it, with a receive window of 0 (SETTINGS_INITIAL_WINDOW_SIZE),
# so no answer can be sent. Resident memory is read every second while they hold, and after.
fresh_tour
$BUILT/examples/h2_stall $HOSTILE $H2 127.0.0.8 $H2_HOLD & a=$!
peak=0
while kill -0 $a 2>/dev/null; do
  now=$(rss_kib $hostile_pid); [ "$now" -gt "$peak" ] && peak=$now
  sleep 1
done
wait $a
sleep 3  # the tour gives freed memory back within two seconds of a connection closing
echo "$H2 stalled h2 connections from 127.0.0.8: resident memory at most $peak KiB while held (target < 204800), $(rss_kib $hostile_pid) KiB 3 s after they closed, $idle_kib KiB before"

# Four addresses dripping uploads (a byte a second) on as many connections as the per-client cap
# lets, while a fifth is served: 20 requests from 127.0.0.6, each on a connection of its own.
served_from() {
  for _ in $(seq 1 20); do
    curl -s -o /dev/null --interface "$1" --max-time 10 -w '%{http_code} %{time_total}\n' "http://$HOSTILE/healthz" || true
  done | sort -k2 -n | awk '{ok += ($1 == 200); t[NR] = $2 * 1000}
    END {printf "%d of %d answered 200, median %.1f ms, slowest %.1f ms", ok, NR, t[int((NR + 1) / 2)], t[NR]}'
}
fresh_tour
drips=()
for from in 127.0.0.2 127.0.0.3 127.0.0.4 127.0.0.5; do attack drip $DRIPS $from $HOLD & drips+=($!); done
sleep $SETTLE
open=$(ss -Htn state established "sport = :${HOSTILE##*:}" | wc -l)
echo "$((4 * DRIPS)) dripping uploads from 127.0.0.2-5 ($open connections open to the tour): GET /healthz from 127.0.0.6 $(served_from 127.0.0.6) (target: all served)"
wait "${drips[@]}"

# CPU per MiB: the tour's user and system time (/proc/PID/stat) while one client sends uploads in
# chunks of a size, one after another, per MiB the client wrote (chunk framing included) and, where
# the tour took them, per MiB of body.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
chunk_cost() {  # CHUNK BODY MIB -> "MS_PER_MIB_SENT MS_PER_MIB_ACCEPTED", the client's line on stderr
  local before line after
  before=$(cpu_ticks $hostile_pid)
  line=$($BUILT/examples/chunked_uploads $HOSTILE "$@")
  after=$(cpu_ticks $hostile_pid)
  echo "$line" >&2
  echo "$line" | awk -v ticks=$((after - before)) -v hz="$(getconf CLK_TCK)" -F'[;,] ' '{
    split($3, accepted, " "); split($4, sent, " "); ms = ticks * 1000 / hz
    printf "%.2f %.1f\n", ms * 1048576 / sent[1], accepted[1] ? ms * 1048576 / accepted[1] : 0 }'
}
times() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1fx", a / b; else printf "(too little CPU to tell)" }'; }
fresh_tour 0..0
read -r large _ < <(chunk_cost 65536 1048576 $LARGE_MIB)
read -r crumbs _ < <(chunk_cost 1 1048576 $CRUMBS_MIB)
read -r most most_body < <(chunk_cost 1 1024 $SMALL_MIB)
# For scale, the floor any request sets: wrk's smallest POST, 48 bytes (request line and Host header).
before=$(cpu_ticks $hostile_pid)
flooded=$(wrk -t2 -c32 -d"${SECONDS_EACH}s" -s $HERE/post.lua "http://$HOSTILE/counter" | awk '/requests in/ {print $1}')
after=$(cpu_ticks $hostile_pid)
flood=$(awk -v ticks=$((after - before)) -v hz="$(getconf CLK_TCK)" -v n="$flooded" \
  'BEGIN {printf "%.2f", ticks * 1000 / hz * 1048576 / (n * 48)}')
echo "uploads of 1 MiB in 64 KiB pieces: $large ms of the tour's CPU per MiB sent"
echo "uploads of 1 MiB in 1-byte chunks (each refused at its 1,025th piece): $crumbs ms per MiB sent = $(times "$crumbs" "$large") (target <= 10x)"
echo "uploads of 1,024 1-byte chunks (the most not refused): $most ms per MiB sent = $(times "$most" "$large"), $most_body ms per MiB of body = $(times "$most_body" "$large")"
echo "POST /counter from wrk ($flooded requests of 48 bytes): $flood ms per MiB sent = $(times "$flood" "$large")"
