#!/usr/bin/env bash
# Loopback keep-alive GET of a 13-byte body against hyper's server: ahttp
# on each runtime beside hyper's client (on tokio, and on async-std and
# smol through smol-hyper's adapter), reqwest and ureq, sequential and
# with 64 in flight. Server and client are pinned to the same core
# (taskset -c 0): split across cores, wake-ups between them make the CPU
# figure swing by 40% on this 2-core VM. The clients run interleaved for
# ROUNDS rounds and the medians are printed: client, mode, requests/s,
# client CPU µs per request, client CPU ms per 10,000 requests.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-20000}
ROUNDS=${ROUNDS:-5}
CLIENTS=${CLIENTS:-"ahttp-tokio ahttp-async-std ahttp-smol hyper hyper-async-std hyper-smol reqwest ureq"}
cargo build --release -q -p ahttp-benches --bins
bin=target/release
addr_file=$(mktemp)
taskset -c 0 "$bin/loopback_server" > "$addr_file" &
server=$!
trap 'kill $server; rm -f "$addr_file" "$results"' EXIT
sleep 0.5
addr=$(head -1 "$addr_file")
results=$(mktemp)
for round in $(seq "$ROUNDS"); do
  for mode in seq c64; do
    for client in $CLIENTS; do
      taskset -c 0 "$bin/loopback_client" "$client" "$mode" "$N" "$addr" >> "$results"
    done
  done
done
python3 - "$results" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    client, mode, rps, us, _ = line.split("\t")
    rows.setdefault((mode, client), []).append((float(rps), float(us)))
print("| client | mode | requests/s (median) | client CPU µs/request (median) | CPU ms per 10,000 |")
print("| --- | --- | --- | --- | --- |")
for (mode, client), vals in sorted(rows.items()):
    rps = statistics.median(v[0] for v in vals)
    us = statistics.median(v[1] for v in vals)
    print(f"| {client} | {mode} | {rps:.0f} | {us:.2f} | {us*10:.1f} |")
PY
