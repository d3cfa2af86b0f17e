#!/usr/bin/env python3
"""The WebSocket source's event latency and reconnect time, against a fake Home Assistant.

  pip install websockets
  swift build -c release
  python3 Benchmarks/websocket_latency.py [--rates 1000,10000] [--seconds 10] [--restarts 5]

A Home Assistant-like server (auth, subscribe_events, ping/pong, coalesced frames
of everything due per 10 ms tick) runs on 127.0.0.1. `switchyard run` reads it with
a websocket source into a stdout sink; this script reads switchyard's stdout.

* Latency: each event carries the server's send time; latency = the time its
  line arrives from switchyard's stdout minus that (server send -> sink write,
  plus the pipe). Reported as p50 / p99 / max per rate.
* Reconnect: the server drops every connection without a close frame and stops
  listening (like Home Assistant restarting), comes back after --down seconds;
  reconnect time = server back -> the client's subscriptions confirmed. The pipeline
  uses reconnect.reset_after: 1s and each outage follows 1.5 s of healthy streaming,
  so every outage starts the backoff from initial_delay.
"""
import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time

import websockets

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BINARY = os.environ.get("SWITCHYARD_BIN") or os.path.join(ROOT, ".build", "release", "switchyard")
TOKEN = "bench-token"


class FakeHomeAssistant:
    def __init__(self):
        self.connections = set()
        self.subscribed = asyncio.Event()
        self.server = None
        self.port = None

    async def handler(self, ws):
        self.connections.add(ws)
        subscription = None
        try:
            await ws.send(json.dumps({"type": "auth_required", "ha_version": "2024.3.0"}))
            async for raw in ws:
                msg = json.loads(raw)
                kind = msg.get("type")
                if kind == "auth":
                    ok = msg.get("access_token") == TOKEN
                    await ws.send(json.dumps({"type": "auth_ok" if ok else "auth_invalid"}))
                elif kind == "subscribe_events":
                    subscription = msg["id"]
                    ws.subscription = subscription
                    await ws.send(json.dumps({"id": msg["id"], "type": "result", "success": True, "result": None}))
                    self.subscribed.set()
                elif kind == "ping":
                    await ws.send(json.dumps({"id": msg["id"], "type": "pong"}))
                elif "id" in msg:
                    await ws.send(json.dumps({"id": msg["id"], "type": "result", "success": True, "result": None}))
        except websockets.ConnectionClosed:
            pass
        finally:
            self.connections.discard(ws)

    async def start(self, port=0):
        self.server = await websockets.serve(self.handler, "127.0.0.1", port, max_queue=None)
        self.port = self.server.sockets[0].getsockname()[1]

    async def stop_abruptly(self):
        self.subscribed.clear()
        self.server.close()
        for ws in list(self.connections):
            ws.transport.abort()  # TCP reset/close, no close frame
        await self.server.wait_closed()

    async def send(self, events):
        for ws in list(self.connections):
            sub = getattr(ws, "subscription", None)
            if sub is None:
                continue
            frame = [{"id": sub, "type": "event", "event": {"event_type": "state_changed", "data": e,
                      "origin": "LOCAL", "time_fired": "2024-03-01T12:00:00+00:00",
                      "context": {"id": "c", "parent_id": None, "user_id": None}}} for e in events]
            await ws.send(json.dumps(frame))


def start_switchyard(port, initial_delay):
    pipeline = tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False)
    pipeline.write(f"""
sources:
  home:
    type: websocket
    url: ws://127.0.0.1:{port}/api/websocket
    access_token: {TOKEN}
    event_types: [state_changed]
    reconnect: {{ initial_delay: {initial_delay}, max_delay: 60s, reset_after: 1s }}
sinks:
  out: {{ type: stdout, inputs: [home] }}
""")
    pipeline.close()
    return subprocess.Popen([BINARY, "run", pipeline.name, "--log-level", "error"], stdout=subprocess.PIPE)


def reader(process, arrivals):
    for line in iter(process.stdout.readline, b""):
        now = time.time()
        try:
            sent = json.loads(line)["data"]["sent_at"]
        except (ValueError, KeyError):
            continue
        arrivals.append(now - sent)


async def measure_rate(server, rate, seconds, arrivals):
    arrivals.clear()
    tick = 0.01
    per_tick = max(1, int(rate * tick))
    sent = 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        target = start + (sent // per_tick + 1) * tick
        await server.send([{"entity_id": "sensor.bench", "seq": sent + i, "sent_at": time.time()} for i in range(per_tick)])
        sent += per_tick
        delay = target - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
    deadline = time.time() + 10
    while len(arrivals) < sent and time.time() < deadline:
        await asyncio.sleep(0.05)
    lat = sorted(arrivals)
    actual_rate = sent / (time.perf_counter() - start)
    return sent, len(lat), actual_rate, lat


def pct(values, p):
    return values[min(len(values) - 1, int(len(values) * p))] * 1000


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rates", default="1000,10000")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--restarts", type=int, default=5)
    parser.add_argument("--down", type=float, default=2.0)
    args = parser.parse_args()

    for initial_delay in ["1s", "100ms"]:
        server = FakeHomeAssistant()
        await server.start()
        port = server.port
        process = start_switchyard(port, initial_delay)
        arrivals = []
        threading.Thread(target=reader, args=(process, arrivals), daemon=True).start()
        await asyncio.wait_for(server.subscribed.wait(), 30)

        if initial_delay == "1s":
            for rate in map(int, args.rates.split(",")):
                sent, got, actual, lat = await measure_rate(server, rate, args.seconds, arrivals)
                print(f"latency at {rate:>6} ev/s (sent {actual:,.0f}/s for {args.seconds:.0f}s): received {got}/{sent}, "
                      f"p50 {pct(lat, 0.5):.2f} ms, p99 {pct(lat, 0.99):.2f} ms, max {lat[-1] * 1000:.2f} ms", flush=True)

        times = []
        for _ in range(args.restarts):
            await asyncio.sleep(1.5)  # a healthy period (> reset_after), so each outage starts from initial_delay
            await server.stop_abruptly()
            await asyncio.sleep(args.down)
            await server.start(port)
            back = time.perf_counter()
            await asyncio.wait_for(server.subscribed.wait(), 120)
            times.append(time.perf_counter() - back)
        print(f"reconnect (reconnect.initial_delay {initial_delay}, server down {args.down}s, {args.restarts} restarts): "
              f"server back -> subscribed again: median {statistics.median(times):.2f} s, "
              f"min {min(times):.2f} s, max {max(times):.2f} s", flush=True)
        process.terminate()
        process.wait(10)
        await server.stop_abruptly()


if __name__ == "__main__":
    asyncio.run(main())
