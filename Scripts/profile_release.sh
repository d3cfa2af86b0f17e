#!/usr/bin/env bash
# Runs an unstripped release binary under callgrind on the pipelines a deployment spends its
# time in: idle (start-up, and its steady state alone), file -> file, filter + remap
# (pipelines/w2-filter-transform.yaml), file -> SQLite and file -> HTTP into an http_server
# source (5,000 Home Assistant-like events each). Writes one profile per run into OUTDIR, for
# Scripts/symbol_order.py.
#
# usage: Scripts/profile_release.sh BINARY OUTDIR
set -euo pipefail
cd "$(dirname "$0")/.."
BINARY=$(readlink -f "$1")
OUT=$(mkdir -p "$2" && cd "$2" && pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

python3 - "$WORK/events.ndjson" <<'PY'
import json, random, sys
random.seed(7)
kinds = [("sensor.kitchen_temperature", lambda: f"{random.uniform(15, 30):.1f}"),
         ("light.hall", lambda: random.choice(["on", "off"])),
         ("sensor.door", lambda: "unavailable")]
with open(sys.argv[1], "w") as f:
    for i in range(5000):
        entity, state = random.choice(kinds)
        stamp = f"2024-03-01T00:{i // 60 % 60:02d}:{i % 60:02d}.000000+00:00"
        f.write(json.dumps({"event_type": "state_changed", "time_fired": stamp, "origin": "LOCAL",
                            "context": {"id": f"C{i:025d}", "parent_id": None, "user_id": None},
                            "data": {"entity_id": entity, "old_state": {"state": state()},
                                     "new_state": {"entity_id": entity, "state": state(),
                                                   "attributes": {"friendly_name": "Hall"},
                                                   "last_changed": stamp}}},
                           separators=(",", ":")) + "\n")
PY

profile() {  # NAME ARGS...: one run of the binary under callgrind
    local name=$1
    shift
    (cd "$WORK" && valgrind --tool=callgrind --demangle=no --callgrind-out-file="$OUT/$name.callgrind" \
        "$BINARY" "$@" --log-level warning >/dev/null 2>"$OUT/$name.log")
}

cat > "$WORK/idle.yaml" <<'YAML'
sources:
  tick: { type: generator, count: 10, interval: 100ms, lines: [tick] }
sinks:
  out: { type: blackhole, inputs: [tick] }
YAML
profile idle run idle.yaml

# Idle pipelines' steady state (a generator, and an http_server no client calls): instrumented
# only once the start-up pages are released (the debug line says so), for 3 s of ticks and
# progress lines, then SIGTERM.
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
cat > "$WORK/steady.yaml" <<YAML
sources:
  tick: { type: generator, interval: 100ms, lines: [tick] }
  listen: { type: http_server, address: "127.0.0.1:$(free_port)", path: /ingest }
sinks:
  out: { type: blackhole, inputs: [tick, listen] }
YAML
(cd "$WORK" && exec valgrind --tool=callgrind --demangle=no --instr-atstart=no \
    --callgrind-out-file="$OUT/steady.callgrind" "$BINARY" run steady.yaml --log-level debug \
    --progress-interval 1s >/dev/null 2>"$OUT/steady.log") &
STEADY=$!
for attempt in $(seq 240); do
    grep -q "start-up pages released" "$OUT/steady.log" 2>/dev/null && break
    if [ "$attempt" = 240 ]; then
        kill -TERM "$STEADY" 2>/dev/null || true
        echo "error: the profiled idle pipeline did not release its start-up pages within 120 s" >&2
        exit 1
    fi
    sleep 0.5
done
callgrind_control --instr=on "$STEADY" >/dev/null
sleep 3
kill -TERM "$STEADY"
wait "$STEADY"

cat > "$WORK/file.yaml" <<'YAML'
sources:
  in: { type: file, path: events.ndjson }
sinks:
  out: { type: file, inputs: [in], path: file-out.ndjson }
YAML
profile file run file.yaml

W2_INPUT=events.ndjson W2_OUTPUT=w2-out.ndjson profile filter-remap run "$(pwd)/pipelines/w2-filter-transform.yaml"
W3_INPUT=events.ndjson W3_DB=events.db profile sqlite run "$(pwd)/pipelines/file-to-sqlite.yaml"

PORT=$(free_port)
cat > "$WORK/receiver.yaml" <<YAML
sources:
  in: { type: http_server, address: "127.0.0.1:$PORT", path: /ingest }
sinks:
  out: { type: blackhole, inputs: [in] }
YAML
profile http-server run receiver.yaml &
RECEIVER=$!
for attempt in $(seq 120); do
    python3 -c "import socket; socket.create_connection(('127.0.0.1', $PORT), 1)" 2>/dev/null && break
    [ "$attempt" = 120 ] && { echo "error: the profiled http_server did not listen within 60 s" >&2; exit 1; }
    sleep 0.5
done
W4_INPUT=events.ndjson W4_URI="http://127.0.0.1:$PORT/ingest" profile http run "$(pwd)/pipelines/file-to-http.yaml"
pkill -TERM -f "callgrind-out-file=$OUT/http-server.callgrind" || true
wait "$RECEIVER"
