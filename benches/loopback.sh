#!/usr/bin/env bash
# Loopback keep-alive GET of a 13-byte body against hyper's server: ahttp
# on each runtime beside hyper's client, reqwest and ureq, sequential and
# with 64 in flight. Server and client are pinned to the same core
# (taskset -c 0): split across cores, wake-ups between them make the CPU
# figure swing by 40% on this 2-core VM. Prints a table of
# client, mode, requests/s, client CPU µs per request, CPU ms per 10,000.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-20000}
cargo build --release -q -p ahttp-benches --bins
bin=target/release
taskset -c 0 "$bin/loopback_server" > /tmp/ahttp-loopback-addr &
server=$!
trap 'kill $server' EXIT
sleep 0.5
addr=$(head -1 /tmp/ahttp-loopback-addr)
printf 'client\tmode\treq/s\tcpu_us/req\tcpu_ms/10k\n'
for mode in seq c64; do
  for client in ahttp-tokio ahttp-async-std ahttp-smol hyper reqwest ureq; do
    taskset -c 0 "$bin/loopback_client" "$client" "$mode" "$N" "$addr"
  done
done
