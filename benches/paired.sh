#!/usr/bin/env bash
# Paired comparison of two clients: ROUNDS rounds, each running client A
# and client B (in turn first) against the same server, server and clients
# on core 0 (SERVER_CPU moves the server). Prints each client's median CPU
# µs per request or message, the median and quartiles of the per-round
# ratios A/B, and in how many rounds A used less CPU than B. Single
# medians move by about 1 µs from run to run on this machine; the
# per-round ratio does not share that drift.
#
#   KIND=http (default): keep-alive GETs against hyper's server, N=20000
#     per run, MODE=seq or c64; A=ahttp-tokio, B=hyper, 40 rounds.
#   KIND=ws: echo round trips of SIZE-byte binary messages against the
#     fastwebsockets server, N=20000 per run, SIZE=1024;
#     A=ahttp-tokio, B=fastwebsockets, 60 rounds.
set -euo pipefail
cd "$(dirname "$0")/.."
KIND=${KIND:-http}
N=${N:-20000}
case "$KIND" in
  http)
    ROUNDS=${ROUNDS:-40} A=${A:-ahttp-tokio} B=${B:-hyper}
    server=loopback_server client=loopback_client arg=${MODE:-seq} unit=request ;;
  ws)
    ROUNDS=${ROUNDS:-60} A=${A:-ahttp-tokio} B=${B:-fastwebsockets}
    server=ws_echo_server client=ws_echo_client arg=${SIZE:-1024} unit=message ;;
  *) echo "KIND is http or ws" >&2; exit 2 ;;
esac
cargo build --release -q -p ahttp-benches --bins
bin=target/release
addr_file=$(mktemp)
results=$(mktemp)
taskset -c "${SERVER_CPU:-0}" "$bin/$server" > "$addr_file" &
server_pid=$!
trap 'kill $server_pid; rm -f "$addr_file" "$results"' EXIT
sleep 0.5
addr=$(head -1 "$addr_file")
# Each round runs its own copy of the client binary: the same binary gives
# different figures from different files on this machine (the code's
# physical placement), so one copy would measure one placement only.
copies=$(mktemp -d)
trap 'kill $server_pid; rm -rf "$addr_file" "$results" "$copies"' EXIT
for round in $(seq "$ROUNDS"); do
  cp "$bin/$client" "$copies/$client.$round"
  # Odd rounds run A first, even rounds B first: the first run from a
  # fresh copy measured about 0.5% slower than the second.
  order="$A $B"
  if (( round % 2 == 0 )); then order="$B $A"; fi
  for name in $order; do
    taskset -c 0 "$copies/$client.$round" "$name" "$arg" "$N" "$addr" >> "$results"
  done
  rm "$copies/$client.$round"
done
python3 - "$results" "$A" "$B" "$unit" <<'PY'
import statistics, sys
path, a, b, unit = sys.argv[1:]
rows = [line.split("\t") for line in open(path)]
xa = [float(r[3]) for r in rows if r[0] == a]
xb = [float(r[3]) for r in rows if r[0] == b]
ratios = [x / y for x, y in zip(xa, xb)]
q = statistics.quantiles(ratios, n=4)
print(f"{a}: median {statistics.median(xa):.3f} µs/{unit}")
print(f"{b}: median {statistics.median(xb):.3f} µs/{unit}")
print(f"median of per-round ratios {a}/{b}: {statistics.median(ratios):.4f}; "
      f"{a} lower in {sum(r < 1 for r in ratios)} of {len(ratios)} rounds; "
      f"quartiles {q[0]:.4f} {q[2]:.4f}")
PY
