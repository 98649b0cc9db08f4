#!/usr/bin/env bash
# Paired loopback comparison of two HTTP clients: ROUNDS rounds, each
# running client A then client B for N keep-alive GETs (MODE seq or c64)
# against hyper's server, all on core 0. Prints each client's median CPU
# µs per request, the median of the per-round ratios A/B, and in how many
# rounds A used less CPU than B (single medians drift together from run
# to run on this machine; the per-round ratio does not). Defaults:
# ahttp-tokio against hyper, sequential, 40 rounds of 20,000.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-40}
MODE=${MODE:-seq}
N=${N:-20000}
A=${A:-ahttp-tokio}
B=${B:-hyper}
cargo build --release -q -p ahttp-benches --bins
bin=target/release
addr_file=$(mktemp)
results=$(mktemp)
taskset -c "${SERVER_CPU:-0}" "$bin/loopback_server" > "$addr_file" &
server=$!
trap 'kill $server; rm -f "$addr_file" "$results"' EXIT
sleep 0.5
addr=$(head -1 "$addr_file")
for round in $(seq "$ROUNDS"); do
  for client in "$A" "$B"; do
    taskset -c 0 "$bin/loopback_client" "$client" "$MODE" "$N" "$addr" >> "$results"
  done
done
python3 - "$results" "$A" "$B" <<'PY'
import statistics, sys
path, a, b = sys.argv[1:]
rows = [line.split("\t") for line in open(path)]
xa = [float(r[3]) for r in rows if r[0] == a]
xb = [float(r[3]) for r in rows if r[0] == b]
ratios = [x / y for x, y in zip(xa, xb)]
print(f"{a}: median {statistics.median(xa):.3f} µs/request")
print(f"{b}: median {statistics.median(xb):.3f} µs/request")
print(f"median of per-round ratios {a}/{b}: {statistics.median(ratios):.4f}; "
      f"{a} lower in {sum(r < 1 for r in ratios)} of {len(ratios)} rounds")
PY
