#!/usr/bin/env bash
# The ahttp command beside curl, in the same run, on loopback:
#   1. `-s -o /dev/null URL` for a 1 GiB body;
#   2. 1000 small URLs on one command line (one session, kept-alive
#      connection; bodies to /dev/null).
# Each is run RUNS times (default 5) per client, the order of the two
# clients swapped every round (which one runs first matters by itself);
# the medians and the ratio ahttp/curl are printed. The server is the
# ahttp-cli example `bench_server` (release build), which writes a 1 GiB
# body from one shared buffer so that the clients are what is measured.
# With taskset (util-linux) the server runs on CPU 1 and the clients on
# CPU 0, so that scheduling does not decide the result.
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

SERVER_PIN=()
CLIENT_PIN=()
if command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then
    SERVER_PIN=(taskset -c 1)
    CLIENT_PIN=(taskset -c 0)
fi

out=$(mktemp)
"${SERVER_PIN[@]}" "$SERVER" 127.0.0.1:0 >"$out" &
server_pid=$!
trap 'kill $server_pid 2>/dev/null || true; rm -f "$out"' EXIT
for _ in $(seq 100); do [ -s "$out" ] && break; sleep 0.05; done
addr=$(head -1 "$out")
big="http://$addr/bytes/$SIZE"
small="http://$addr/small"
smalls=()
for _ in $(seq "$N"); do smalls+=("$small"); done

# "wall cpu" seconds of one command (cpu = user + sys of the client), its
# output discarded. GNU time measures both.
TIME=/usr/bin/time
t() {
    local f
    f=$(mktemp)
    "$TIME" -f '%e %U %S' -o "$f" "${CLIENT_PIN[@]}" "$@" >/dev/null
    awk '{ printf "%s:%.3f", $1, $2 + $3 }' "$f"
    rm -f "$f"
}

median() { sort -g | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.3f", m}'; }

echo "$("$CURL" --version | head -1)"
echo "ahttp $("$AHTTP" --version)"
echo "runs: $RUNS, big body: $SIZE bytes, small URLs: $N"

declare -A times
for round in $(seq "$RUNS"); do
    order=(curl ahttp)
    [ $((round % 2)) -eq 0 ] && order=(ahttp curl)
    for client in "${order[@]}"; do
        bin=$CURL
        [ "$client" = ahttp ] && bin=$AHTTP
        times[${client}_big]+="$(t "$bin" -s -o /dev/null "$big") "
    done
    for client in "${order[@]}"; do
        bin=$CURL
        [ "$client" = ahttp ] && bin=$AHTTP
        times[${client}_small]+="$(t "$bin" -s "${smalls[@]}") "
    done
done

for case in big small; do
    line="$case"
    for client in curl ahttp; do
        vals=$(tr ' ' '\n' <<<"${times[${client}_$case]}" | grep .)
        wall=$(cut -d: -f1 <<<"$vals" | median)
        cpu=$(cut -d: -f2 <<<"$vals" | median)
        eval "${client}_wall=$wall"
        line+=$(printf "   %s %6.3f s (cpu %6.3f s)" "$client" "$wall" "$cpu")
    done
    ratio=$(awk -v a="$ahttp_wall" -v c="$curl_wall" 'BEGIN { printf "%.2f", a / c }')
    echo "$line   wall ahttp/curl $ratio"
    echo "  runs (wall:cpu) curl:  ${times[curl_$case]}"
    echo "  runs (wall:cpu) ahttp: ${times[ahttp_$case]}"
done
