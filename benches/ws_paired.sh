#!/usr/bin/env bash
# Paired WebSocket echo comparison of two clients: ROUNDS rounds, each
# running client A then client B for N round trips of SIZE-byte binary
# messages against the fastwebsockets echo server, all on core 0. Prints
# each client's median CPU µs per message, the median of the per-round
# ratios A/B, and in how many rounds A used less CPU than B. Single medians
# move by about 1 µs from run to run on this machine; the per-round ratio
# does not share that drift. Defaults: ahttp-tokio against fastwebsockets,
# 1 KiB, 60 rounds of 20,000.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-60}
SIZE=${SIZE:-1024}
N=${N:-20000}
A=${A:-ahttp-tokio}
B=${B:-fastwebsockets}
cargo build --release -q -p ahttp-benches --bins
bin=target/release
addr_file=$(mktemp)
results=$(mktemp)
taskset -c 0 "$bin/ws_echo_server" > "$addr_file" &
server=$!
trap 'kill $server; rm -f "$addr_file" "$results"' EXIT
sleep 0.5
addr=$(head -1 "$addr_file")
for round in $(seq "$ROUNDS"); do
  for client in "$A" "$B"; do
    taskset -c 0 "$bin/ws_echo_client" "$client" "$SIZE" "$N" "$addr" >> "$results"
  done
done
python3 - "$results" "$A" "$B" <<'PY'
import statistics, sys
path, a, b = sys.argv[1:]
rows = [line.split("\t") for line in open(path)]
xa = [float(r[3]) for r in rows if r[0] == a]
xb = [float(r[3]) for r in rows if r[0] == b]
ratios = [x / y for x, y in zip(xa, xb)]
print(f"{a}: median {statistics.median(xa):.3f} µs/message")
print(f"{b}: median {statistics.median(xb):.3f} µs/message")
print(f"median of per-round ratios {a}/{b}: {statistics.median(ratios):.4f}; "
      f"{a} lower in {sum(r < 1 for r in ratios)} of {len(ratios)} rounds")
PY
