#!/usr/bin/env bash
# WebSocket echo round trips on loopback against a fastwebsockets echo
# server: ahttp on each runtime beside the tokio-tungstenite and
# fastwebsockets clients, with 16 B, 1 KiB, 64 KiB and 1 MiB binary
# messages. Server and client are pinned to the same core (taskset -c 0),
# as in loopback.sh, so the client's CPU figure is not skewed by
# cross-core wake-ups. The clients run interleaved for ROUNDS rounds and
# the medians are printed: client, size, messages/s, client CPU µs per
# message.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-5}
CLIENTS=${CLIENTS:-"ahttp-tokio ahttp-async-std ahttp-smol tokio-tungstenite fastwebsockets"}
SIZES=${SIZES:-"16 1024 65536 1048576"}
cargo build --release -q -p ahttp-benches --bins
bin=target/release
addr_file=$(mktemp)
results=$(mktemp)
taskset -c 0 "$bin/ws_echo_server" > "$addr_file" &
server=$!
trap 'kill $server; rm -f "$addr_file" "$results"' EXIT
sleep 0.5
addr=$(head -1 "$addr_file")
# Round trips per run: about half a second each on this machine.
count() {
  case $1 in
    16|1024) echo 20000 ;;
    65536) echo 4000 ;;
    *) echo 300 ;;
  esac
}
for round in $(seq "$ROUNDS"); do
  for size in $SIZES; do
    for client in $CLIENTS; do
      taskset -c 0 "$bin/ws_echo_client" "$client" "$size" "$(count "$size")" "$addr" >> "$results"
    done
  done
done
python3 - "$results" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    client, size, mps, us = line.split("\t")
    rows.setdefault((int(size), client), []).append((float(mps), float(us)))
print("| size | client | messages/s (median) | MB/s each way | client CPU µs/message (median) |")
print("| --- | --- | --- | --- | --- |")
for (size, client), vals in sorted(rows.items()):
    mps = statistics.median(v[0] for v in vals)
    us = statistics.median(v[1] for v in vals)
    print(f"| {size} | {client} | {mps:.0f} | {mps*size/1e6:.1f} | {us:.2f} |")
PY
