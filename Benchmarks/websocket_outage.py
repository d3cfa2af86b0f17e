#!/usr/bin/env python3
"""How soon the WebSocket source streams again after Home Assistant comes back.

  pip install websockets
  swift build -c release
  python3 Benchmarks/websocket_outage.py [--outages 5,60,180]

A fake Home Assistant (websocket_latency.py's) runs on 127.0.0.1; `switchyard run`
reads it with the default reconnect settings (initial_delay 1s, max_delay 60s,
unreachable_interval 1s). For each outage the server drops every connection without
a close frame and stops listening (connections are refused, as while Home Assistant
restarts), stays down for the given seconds, and listens again on the same port.
Reported: server listening again -> the client's subscription confirmed.
"""
import argparse
import asyncio
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from websocket_latency import FakeHomeAssistant, start_switchyard  # noqa: E402


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--outages", default="5,60,180")
    args = parser.parse_args()
    server = FakeHomeAssistant()
    await server.start()
    port = server.port
    process = start_switchyard(port, "1s")
    await asyncio.wait_for(server.subscribed.wait(), 30)
    for down in map(float, args.outages.split(",")):
        await asyncio.sleep(2)
        await server.stop_abruptly()
        await asyncio.sleep(down)
        await server.start(port)
        back = time.perf_counter()
        await asyncio.wait_for(server.subscribed.wait(), 300)
        print(f"outage {down:>5.0f} s: server back -> subscribed again in {time.perf_counter() - back:.2f} s", flush=True)
    process.terminate()
    process.wait(10)
    await server.stop_abruptly()


if __name__ == "__main__":
    asyncio.run(main())
