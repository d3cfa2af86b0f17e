#!/usr/bin/env python3
"""The WebSocket source's sustained maximum events/s, beside a Python `websockets` client.

  pip install websockets
  swift build -c release
  python3 Benchmarks/websocket_throughput.py [--events 500000] [--per-frame 100] [--reps 3]

A Home Assistant-like server (its own process: auth, subscribe_events, then coalesced
frames, each a JSON array of `--per-frame` event messages) sends the first `--events`
events of the shared input (../shared/bench, gen_events.py) as fast as the client reads
them; its frames are encoded before the clock starts, so the server is not the limit.

Clients, each in its own process, reading the same server in the same run:
* switchyard: `websocket` source (home_assistant protocol) -> `stdout` sink; this script
  counts the lines on the pipe and checks them against the input (order-independent
  digest, and every line strict-equal to an input line).
* python websockets: the same work in a plain loop: json.loads each frame, json.dumps
  each event to a file, one line each.
Time: the server's first frame -> the client has written the last event.
Reported: events/s, CPU seconds and peak RSS of the client process, median of --reps.
"""
import argparse
import asyncio
import hashlib
import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.environ.get("SHARED_BENCH") or os.path.join(os.path.dirname(ROOT), "shared", "bench")
BINARY = os.environ.get("SWITCHYARD_BIN") or os.path.join(ROOT, ".build", "release", "switchyard")
BEFORE = os.environ.get("SWITCHYARD_BEFORE_BIN")
TOKEN = "bench-token"


def serve(lines, per_frame, port_queue, start_queue):
    """The server process: one connection at a time, each gets every event once."""
    import websockets

    async def handler(ws):
        try:
            await converse(ws)
        except websockets.ConnectionClosed:
            pass  # the client was stopped after its last event

    async def converse(ws):
        await ws.send(json.dumps({"type": "auth_required", "ha_version": "2024.3.0"}))
        async for raw in ws:
            msg = json.loads(raw)
            kind = msg.get("type")
            if kind == "auth":
                await ws.send(json.dumps({"type": "auth_ok" if msg.get("access_token") == TOKEN else "auth_invalid"}))
            elif kind == "subscribe_events":
                sub = msg["id"]
                await ws.send(json.dumps({"id": sub, "type": "result", "success": True, "result": None}))
                head = '{"id":%d,"type":"event","event":' % sub
                frames = ["[" + ",".join(head + line + "}" for line in lines[i:i + per_frame]) + "]"
                          for i in range(0, len(lines), per_frame)]
                start_queue.put(time.time())
                for frame in frames:
                    await ws.send(frame)
            elif "id" in msg:
                reply = {"id": msg["id"], "type": "pong"} if kind == "ping" else \
                    {"id": msg["id"], "type": "result", "success": True, "result": None}
                await ws.send(json.dumps(reply))

    async def main():
        async with websockets.serve(handler, "127.0.0.1", 0, max_size=None, max_queue=None) as server:
            port_queue.put(server.sockets[0].getsockname()[1])
            await asyncio.Future()

    asyncio.run(main())


def python_client(port, events, output, result_queue):
    """The plain-Python client: parse each frame, write each event as a line."""
    import websockets

    async def main():
        async with websockets.connect(f"ws://127.0.0.1:{port}/api/websocket", max_size=None) as ws:
            json.loads(await ws.recv())
            await ws.send(json.dumps({"type": "auth", "access_token": TOKEN}))
            json.loads(await ws.recv())
            await ws.send(json.dumps({"id": 1, "type": "subscribe_events", "event_type": "state_changed"}))
            count = 0
            with open(output, "w") as out:
                while count < events:
                    frame = json.loads(await ws.recv())
                    for message in frame if isinstance(frame, list) else [frame]:
                        if message.get("type") == "event" and message.get("id") == 1:
                            out.write(json.dumps(message["event"], separators=(",", ":"), ensure_ascii=False) + "\n")
                            count += 1
            end = time.time()
        cpu, peak = proc_usage(os.getpid())
        result_queue.put((end, cpu, peak))

    asyncio.run(main())


def proc_usage(pid):
    """CPU seconds and peak RSS (MB) of a running process."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    with open(f"/proc/{pid}/status") as f:
        peak = next(int(line.split()[1]) for line in f if line.startswith("VmHWM:")) / 1024
    return cpu, peak


def digest(lines):
    total = 0
    for line in lines:
        total = (total + int.from_bytes(hashlib.blake2b(line, digest_size=8).digest(), "little")) % (1 << 64)
    return total


def run_switchyard(binary, port, events, start_queue, expected):
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as pipeline:
        pipeline.write(f"""
sources:
  home:
    type: websocket
    url: ws://127.0.0.1:{port}/api/websocket
    access_token: {TOKEN}
    event_types: [state_changed]
sinks:
  out: {{ type: stdout, inputs: [home] }}
""")
    process = subprocess.Popen([binary, "run", pipeline.name, "--log-level", "error"], stdout=subprocess.PIPE)
    chunks = []
    count = 0
    while count < events:
        chunk = os.read(process.stdout.fileno(), 1 << 20)
        if not chunk:
            break
        chunks.append(chunk)
        count += chunk.count(b"\n")
    end = time.time()
    cpu, peak = proc_usage(process.pid)
    process.terminate()
    process.wait(30)
    os.unlink(pipeline.name)
    start = start_queue.get(timeout=10)
    lines = b"".join(chunks).split(b"\n")[:-1]
    ok = len(lines) == events and digest(lines) == expected
    return end - start, cpu, peak, ok


def run_python(port, events, start_queue, expected):
    # A fresh interpreter (spawn, not fork), so its peak RSS is its own.
    spawn = multiprocessing.get_context("spawn")
    result_queue = spawn.Queue()
    with tempfile.NamedTemporaryFile(suffix=".ndjson", delete=False) as out:
        output = out.name
    client = spawn.Process(target=python_client, args=(port, events, output, result_queue))
    client.start()
    end, cpu, peak = result_queue.get(timeout=600)
    client.join(30)
    start = start_queue.get(timeout=10)
    with open(output, "rb") as f:
        lines = f.read().split(b"\n")[:-1]
    os.unlink(output)
    ok = len(lines) == events and digest(lines) == expected
    return end - start, cpu, peak, ok


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=500_000)
    parser.add_argument("--per-frame", type=int, default=100)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--input", default="/var/tmp/evbench/input-1000000.ndjson")
    args = parser.parse_args()
    if not os.path.exists(args.input):
        os.makedirs(os.path.dirname(args.input), exist_ok=True)
        with open(args.input, "w") as f:
            subprocess.run([sys.executable, os.path.join(SHARED, "gen_events.py"), "1000000"], stdout=f, check=True)
    with open(args.input, "rb") as f:
        raw = [f.readline().rstrip(b"\n") for _ in range(args.events)]
    expected = digest(raw)
    lines = [line.decode() for line in raw]

    port_queue, start_queue = multiprocessing.Queue(), multiprocessing.Queue()
    server = multiprocessing.Process(target=serve, args=(lines, args.per_frame, port_queue, start_queue), daemon=True)
    server.start()
    port = port_queue.get(timeout=30)

    clients = [("switchyard", lambda: run_switchyard(BINARY, port, args.events, start_queue, expected))]
    if BEFORE:
        clients.append(("switchyard (before)", lambda: run_switchyard(BEFORE, port, args.events, start_queue, expected)))
    clients.append(("python websockets", lambda: run_python(port, args.events, start_queue, expected)))

    results = {name: [] for name, _ in clients}
    for rep in range(args.reps):
        for name, run in clients:
            wall, cpu, peak, ok = run()
            results[name].append((wall, cpu, peak, ok))
            print(f"rep {rep + 1} {name}: {wall:.2f} s, {args.events / wall:,.0f} events/s, CPU {cpu:.2f} s, "
                  f"peak RSS {peak:.1f} MB, {'ok' if ok else 'OUTPUT DIFFERS'}", flush=True)
    print(f"\n{args.events:,} events, {args.per_frame} per frame, median of {args.reps}:")
    print("| client | wall s | events/s | CPU s | peak RSS MB | check |\n|---|---:|---:|---:|---:|---|")
    for name, runs in results.items():
        wall = statistics.median(r[0] for r in runs)
        cpu = statistics.median(r[1] for r in runs)
        peak = statistics.median(r[2] for r in runs)
        check = "ok" if all(r[3] for r in runs) else "FAILED"
        print(f"| {name} | {wall:.2f} | {args.events / wall:,.0f} | {cpu:.2f} | {peak:.1f} | {check} |")
    server.terminate()


if __name__ == "__main__":
    main()
