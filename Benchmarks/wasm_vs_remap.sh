#!/usr/bin/env bash
# Events/s of the example wasm module (Examples/wasm/tag.wasm) beside the same logic as a remap and
# as an exec transform (a Python program, json.loads/dumps per line),
# on the shared benchmark's events (W2-sized), same run. usage: wasm_vs_remap.sh [EVENTS] [BINARY]
set -euo pipefail
cd "$(dirname "$0")/.."
EVENTS=${1:-200000}
BIN=${2:-.build/release/switchyard}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
python3 ../shared/bench/gen_events.py "$EVENTS" "$WORK/events.ndjson" >/dev/null
run() {
    local name=$1 stage=$2
    cat > "$WORK/$name.yaml" <<YAML
sources:
  in: { type: file, path: $WORK/events.ndjson }
transforms:
  t:
    inputs: [in]
$stage
sinks:
  out: { type: file, inputs: [t], path: $WORK/$name.out.ndjson }
YAML
    rm -f "$WORK/$name.out.ndjson"
    local start end
    start=$(date +%s.%N)
    "$BIN" run "$WORK/$name.yaml" 2>/dev/null
    end=$(date +%s.%N)
    python3 - "$name" "$start" "$end" "$EVENTS" "$WORK/$name.out.ndjson" <<'PY'
import sys
name, start, end, events, out = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
lines = sum(1 for _ in open(out))
print(f"{name:6} {end - start:6.2f} s  {events / (end - start):10,.0f} events/s  ({lines} lines out)")
PY
}
for round in 1 2 3; do
    run wasm "    type: wasm
    module: $(pwd)/Examples/wasm/tag.wasm"
    run remap "    type: remap
    source: 'if .debug == true { abort }; .processed_by = \"wasm\"'"
    run exec "    type: exec
    command: [python3, $(pwd)/Tests/ExecStagesTests/Programs/transform.py]"
done
