#!/usr/bin/env bash
# TLS loopback: keep-alive GETs and a new TLS connection per request
# (rustls session resumption on, the default of both clients), ahttp on
# tokio beside reqwest with rustls, server and client pinned to core 0,
# ROUNDS interleaved rounds, medians. Columns as benches/loopback.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
N_KEEPALIVE=${N_KEEPALIVE:-20000}
N_NEW=${N_NEW:-2000}
ROUNDS=${ROUNDS:-5}
cargo build --release -q -p ahttp-benches --bins
bin=target/release
cert=$(mktemp)
addr_file=$(mktemp)
results=$(mktemp)
taskset -c 0 "$bin/loopback_server" --tls "$cert" > "$addr_file" &
server=$!
trap 'kill $server; rm -f "$cert" "$addr_file" "$results"' EXIT
sleep 0.5
addr=$(head -1 "$addr_file")
for round in $(seq "$ROUNDS"); do
  for client in ahttp-tokio reqwest; do
    taskset -c 0 "$bin/tls_client" "$client" keepalive "$N_KEEPALIVE" "$addr" "$cert" >> "$results"
    taskset -c 0 "$bin/tls_client" "$client" new "$N_NEW" "$addr" "$cert" >> "$results"
  done
done
python3 - "$results" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    client, mode, rps, us, _ = line.split("\t")
    rows.setdefault((mode, client), []).append((float(rps), float(us)))
print("| client | mode | requests/s (median) | client CPU µs/request (median) |")
print("| --- | --- | --- | --- |")
for (mode, client), vals in sorted(rows.items()):
    print(f"| {client} | {mode} | {statistics.median(v[0] for v in vals):.0f} | {statistics.median(v[1] for v in vals):.2f} |")
PY
