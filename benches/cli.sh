#!/usr/bin/env bash
# The ahttp command beside curl, in the same run, on loopback:
#   1. `-s -o /dev/null URL` for a 1 GiB body;
#   2. 1000 small URLs on one command line (one session, kept-alive
#      connection; bodies to /dev/null).
# Each is run RUNS times (default 5) per client, alternating; the medians
# and the ratio ahttp/curl are printed. The server is the ahttp-cli
# example `bench_server` (release build), which writes a 1 GiB body from
# one shared buffer so that the clients are what is measured.
#
#   benches/cli.sh            # RUNS=5 SIZE=1073741824 N=1000
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${RUNS:-5}
SIZE=${SIZE:-1073741824}
N=${N:-1000}
CURL=${CURL:-curl}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-target}

cargo build -q --release -p ahttp-cli --bin ahttp --example bench_server
AHTTP="$CARGO_TARGET_DIR/release/ahttp"
SERVER="$CARGO_TARGET_DIR/release/examples/bench_server"

out=$(mktemp)
"$SERVER" 127.0.0.1:0 >"$out" &
server_pid=$!
trap 'kill $server_pid 2>/dev/null || true; rm -f "$out"' EXIT
for _ in $(seq 100); do [ -s "$out" ] && break; sleep 0.05; done
addr=$(head -1 "$out")
big="http://$addr/bytes/$SIZE"
small="http://$addr/small"
smalls=()
for _ in $(seq "$N"); do smalls+=("$small"); done

# Seconds (wall clock) of one command, its output discarded.
t() {
    local s e
    s=$(date +%s.%N)
    "$@" >/dev/null
    e=$(date +%s.%N)
    awk -v s="$s" -v e="$e" 'BEGIN { printf "%.6f", e - s }'
}

median() { sort -g | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.3f", m}'; }

echo "$("$CURL" --version | head -1)"
echo "ahttp $("$AHTTP" --version)"
echo "runs: $RUNS, big body: $SIZE bytes, small URLs: $N"

declare -A times
for _ in $(seq "$RUNS"); do
    times[curl_big]+="$(t "$CURL" -s -o /dev/null "$big") "
    times[ahttp_big]+="$(t "$AHTTP" -s -o /dev/null "$big") "
    times[curl_small]+="$(t "$CURL" -s "${smalls[@]}") "
    times[ahttp_small]+="$(t "$AHTTP" -s "${smalls[@]}") "
done

for case in big small; do
    c=$(tr ' ' '\n' <<<"${times[curl_$case]}" | grep . | median)
    a=$(tr ' ' '\n' <<<"${times[ahttp_$case]}" | grep . | median)
    ratio=$(awk -v a="$a" -v c="$c" 'BEGIN { printf "%.4f", a / c }')
    printf "%-6s curl %8.3f s   ahttp %8.3f s   ahttp/curl %.2f\n" "$case" "$c" "$a" "$ratio"
done
