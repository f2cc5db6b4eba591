#!/usr/bin/env bash
# The tour against client_golang, the Go client kept by Prometheus' authors: the same operations on
# the same values, timed in one run on this machine, as ratios (docs/performance.md).
# Run with `bash benches/go/compare.sh` (about four minutes); QUICK=1 runs every benchmark briefly,
# once, to check that the comparison still builds and runs. Measures today's client_golang on today's
# Go when `bash .ci/go-reference` has fetched them from Debian's unstable suite into its cache folder;
# otherwise Debian 12's client_golang 1.14 on Go 1.19 (golang-go and
# golang-github-prometheus-client-golang-dev). With neither it says SKIPPED and exits 0 (1 when
# TOUR_REQUIRE_E2E=1). The first line it prints names the versions measured. PROFILE=dev (as the docs
# test runs the quick mode) builds our side unoptimised, reusing the test build: it checks the script
# runs, and measures nothing worth quoting.
set -euo pipefail
cd "$(dirname "$0")/../.."

skip() {
  echo "SKIPPED benches/go/compare.sh: $1"
  [ "${TOUR_REQUIRE_E2E:-}" = 1 ] && { echo "TOUR_REQUIRE_E2E=1 requires it" >&2; exit 1; }
  exit 0
}
reference=${TOUR_GO_REFERENCE_DIR:-${XDG_CACHE_HOME:-${HOME:-/nonexistent}/.cache}/metrics-tour/go-reference}
if [ -s "$reference/versions" ] && [ -x "$(cat "$reference/goroot")/bin/go" ]; then
  export GOROOT
  GOROOT=$(cat "$reference/goroot")
  go=$GOROOT/bin/go gopath=$reference/usr/share/gocode versions=$(cat "$reference/versions")
else
  go=go gopath=/usr/share/gocode
  command -v go >/dev/null || skip "go not found (bash .ci/go-reference, or Debian package golang-go)"
  [ -d "$gopath/src/github.com/prometheus/client_golang/prometheus" ] ||
    skip "client_golang not found in $gopath (bash .ci/go-reference, or Debian package golang-github-prometheus-client-golang-dev)"
  versions="client_golang $(dpkg-query -W -f '${Version}' golang-github-prometheus-client-golang-dev 2>/dev/null | cut -d- -f1) on $(go version | awk '{ print $3 }') (Debian 12's; bash .ci/go-reference fetches today's)"
fi

PROFILE=${PROFILE:-bench}

# On a shared machine the load moves while we measure: each row times Go and ours back to back,
# ROUNDS times, and keeps each side's fastest round.
if [ -n "${QUICK:-}" ]; then
  rounds=1 go_time=200x
  criterion=(--warm-up-time 0.1 --measurement-time 0.2 --sample-size 10 --nresamples 1000 --noplot)
else
  rounds=${ROUNDS:-3} go_time=1s
  criterion=(--warm-up-time 1 --measurement-time 2 --noplot)
fi

echo "$versions; $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) at start"

# client_golang from Debian's sources, offline: GOPATH mode, no module proxy.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
[ -n "${HOME:-}" ] || export GOCACHE="$work/cache"  # go needs a build cache
(cd benches/go && GO111MODULE=off GOPATH=$gopath GOPROXY=off GOFLAGS= GOTOOLCHAIN=local GOTELEMETRY=off \
  "$go" test -c -o "$work/golang.test")
"$work/golang.test" -test.run TestRegistryShape >/dev/null ||
  { "$work/golang.test" -test.run TestRegistryShape >&2; exit 1; }

# The time per operation of Go benchmark $1, in ns; "" when it gave none.
go_ns() {
  "$work/golang.test" -test.run '^$' -test.bench "^Benchmark$1\$" -test.benchtime "$go_time" |
    awk '/ ns\/op/ {print $3; exit}'
}

# Which criterion bench holds which id, from each bench's --list.
benches=()
for file in benches/*.rs; do benches+=(--bench "$(basename "$file" .rs)"); done
cargo bench --quiet --profile "$PROFILE" "${benches[@]}" --no-run
declare -A bench_of
for file in benches/*.rs; do
  bench=$(basename "$file" .rs)
  while IFS= read -r id; do
    bench_of[$id]=$bench
  done < <(cargo bench --quiet --profile "$PROFILE" --bench "$bench" -- --list 2>/dev/null | sed -n 's/: benchmark$//p')
done

# The mean time of criterion benchmark $1, in ns.
ours_ns() {
  cargo bench --quiet --profile "$PROFILE" --bench "${bench_of[$1]}" -- --exact "$1" "${criterion[@]}" 2>/dev/null |
    awk '/time:/ {
      sub(/.*\[/, ""); scale["ps"] = 0.001; scale["ns"] = 1; scale["µs"] = 1000; scale["ms"] = 1e6; scale["s"] = 1e9
      print $3 * scale[$4]; exit
    }'
}

# The smaller of two times, either of which may be "" (none yet).
fastest() { awk -v a="$1" -v b="$2" 'BEGIN {print (a == "" || (b != "" && b + 0 < a + 0)) ? b : a}'; }
ns() { awk -v t="$1" 'BEGIN {printf (t < 1000 ? "%.1f" : "%.0f"), t}'; }

failed=0
# One row: what, our criterion id, the Go benchmark, "time" (ours / Go's, lower is better) or
# "throughput" (Go's time / ours, higher is better), the goal, and whether our id must exist.
row() {
  local what=$1 id=$2 go_name=$3 kind=$4 goal=$5 required=$6 ours="" go="" round ratio met
  local built=${bench_of[$id]:-}
  for ((round = 0; round < rounds; round++)); do
    go=$(fastest "$go" "$(go_ns "$go_name")")
    [ -z "$built" ] || ours=$(fastest "$ours" "$(ours_ns "$id")")
  done
  if [ -z "$go" ]; then
    echo "Go benchmark $go_name gave no ns/op" >&2
    failed=1
    go=NaN
  fi
  if [ -z "$built" ] && [ "$required" = optional ]; then
    printf '%-28s %14s %12s  %-22s %s (no benchmark "%s" yet)\n' "$what" "not built yet" "$(ns "$go")" - "$goal" "$id"
    return
  fi
  if [ -z "$ours" ]; then
    echo "criterion benchmark \"$id\" gave no time" >&2
    failed=1
    ours=NaN
  fi
  if [ "$kind" = time ]; then
    ratio=$(awk -v a="$ours" -v b="$go" 'BEGIN {printf "%.2fx the time", a / b}')
  else
    ratio=$(awk -v a="$ours" -v b="$go" 'BEGIN {printf "%.2fx the throughput", b / a}')
  fi
  met=$(awk -v r="${ratio%%x*}" -v goal="$goal" 'BEGIN {
    split(goal, g, " "); limit = g[2] + 0
    if (goal == "") print ""; else if (g[1] == "<=") print (r <= limit ? "met" : "NOT MET"); else print (r >= limit ? "met" : "NOT MET")
  }')
  printf '%-28s %14s %12s  %-22s %s %s\n' "$what" "$(ns "$ours")" "$(ns "$go")" "$ratio" "$goal" "$met"
}

echo "each side's fastest of $rounds round(s), Go and ours alternating"
printf '%-28s %14s %12s  %-22s %s\n' "" "ours, ns/op" "Go, ns/op" "ours against Go" "goal"
row "summary observe" "observe/summary/1 thread" SummaryObserve time "<= 0.2" required
row "classic histogram observe" "observe/histogram/1 thread" ClassicHistogramObserve time "" required
row "native histogram observe" "native_histogram/observe" NativeHistogramObserve time "<= 0.75" optional
row "scrape, text" "tour scrape/text" ScrapeText throughput ">= 2" required
row "scrape, OpenMetrics" "tour scrape/openmetrics" ScrapeOpenMetrics throughput ">= 2" required
row "scrape, text, no process_*" "tour scrape/text without process" ScrapeTextWithoutProcess throughput "" required
echo "load average $(cut -d' ' -f1-3 /proc/loadavg) at the end"
exit $failed
