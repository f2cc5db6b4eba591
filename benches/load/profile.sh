#!/usr/bin/env bash
# Where the demo routes' time goes, against the bare poem handler: perf samples each server's CPU,
# with call stacks, for 5 s of wrk as run.sh drives it, and where.py splits it per request.
# Run with `bash benches/load/profile.sh [ROUTE]` (ROUTE /counter unless given; about a minute).
# Needs perf (Debian package linux-perf, run as root or with kernel.perf_event_paranoid <= 1) and wrk.
set -euo pipefail
cd "$(dirname "$0")/../.."
HERE=benches/load ROUTE=${1:-/counter} HZ=1000
cargo build --release --quiet --bin metrics-tour --example bare_poem
BUILT=${CARGO_TARGET_DIR:-target}/release
work=$(mktemp -d)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true; rm -rf "$work"' EXIT
$BUILT/metrics-tour --listen 127.0.0.1:5081 2>/dev/null & pids+=($!); tour=$!
$BUILT/examples/bare_poem 127.0.0.1:5089 & pids+=($!); bare=$!
sleep 2
echo "load average $(cut -d' ' -f1-3 /proc/loadavg) at start"
for side in "tour $tour http://127.0.0.1:5081$ROUTE" "bare $bare http://127.0.0.1:5089/"; do
  set -- $side
  perf record -q -F $HZ --call-graph dwarf,16384 -o "$work/$1.data" -p "$2" -- sleep 6 2>/dev/null & recording=$!
  sleep 0.5
  requests=$(wrk -t2 -c32 -d5s -s $HERE/post.lua "$3" | awk '/requests in/ {print $1}')
  wait $recording
  perf script -i "$work/$1.data" -F comm,tid,ip,sym 2>/dev/null >"$work/$1.txt"
  echo "== $1 ($3)"
  python3 $HERE/where.py "$work/$1.txt" "$requests" $HZ
done
echo "load average $(cut -d' ' -f1-3 /proc/loadavg) at the end"
