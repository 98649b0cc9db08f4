#!/usr/bin/env bash
# The head-parse ratio (parse_response_head against bare httparse) over
# COPIES copies of the same count_head binary. On this machine the same
# binary, copied to another file, gives ratios from about 1.16 to 1.38 (the
# code's physical placement); each copy's figure is steady from run to run,
# so the median over many copies is the number to quote.
set -euo pipefail
cd "$(dirname "$0")/.."
COPIES=${COPIES:-16}
ROUNDS=${ROUNDS:-1000}
cargo build --release -q -p ahttp-benches --example count_head
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
for k in $(seq "$COPIES"); do
  cp target/release/examples/count_head "$dir/count_head_$k"
done
for k in $(seq "$COPIES"); do
  "$dir/count_head_$k" ratio "$ROUNDS"
done | tee "$dir/results"
python3 - "$dir/results" <<'PY'
import statistics, sys
rows = [line.split() for line in open(sys.argv[1])]
ratios = sorted(float(r[-1]) for r in rows)
bare = statistics.median(float(r[1]) for r in rows)
ours = statistics.median(float(r[4]) for r in rows)
print(f"{len(ratios)} copies: median ratio {statistics.median(ratios):.3f} "
      f"(from {ratios[0]:.3f} to {ratios[-1]:.3f}); medians httparse {bare:.1f} ns, "
      f"parse_response_head {ours:.1f} ns")
PY
