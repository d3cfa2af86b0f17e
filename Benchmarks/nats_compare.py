#!/usr/bin/env python3
"""NATS JetStream, Switchyard beside nats-py: same server, same input, same run.

  python3 Benchmarks/nats_compare.py [--events 200000] [--runs 3] [--binary .build/release/switchyard]

Four measurements per run, each on a fresh stream of a `nats-server -js` started here:
  publish  nats-py: every W1 line published with a JetStream acknowledgement, 256 in flight
           switchyard: file source (the W1 input) -> nats sink (window 256)
  consume  nats-py: durable pull consumer, fetch(256), ack each message
           switchyard: nats source (durable pull consumer) -> blackhole, acknowledged after it
Prints events/s (median of the runs) and the ratio. Needs nats-server and `pip install nats-py`.
"""
import argparse
import asyncio
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

import nats

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.path.join(HERE, "..", "..", "shared", "bench")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def create_stream(url, name, subject):
    client = await nats.connect(url)
    await client.jetstream().add_stream(name=name, subjects=[subject])
    await client.close()


async def stream_messages(url, name):
    client = await nats.connect(url)
    info = await client.jetstream().stream_info(name)
    await client.close()
    return info.state.messages


async def consumer_done(url, stream, consumer, count):
    client = await nats.connect(url)
    try:
        info = await client.jetstream().consumer_info(stream, consumer)
        return info.ack_floor.stream_seq >= count and info.num_ack_pending == 0
    except Exception:
        return False
    finally:
        await client.close()


async def python_publish(url, subject, lines, window=256):
    client = await nats.connect(url)
    js = client.jetstream()
    start = time.perf_counter()
    for offset in range(0, len(lines), window):
        await asyncio.gather(*(js.publish(subject, line) for line in lines[offset:offset + window]))
    elapsed = time.perf_counter() - start
    await client.close()
    return elapsed


async def python_consume(url, stream, subject, count):
    client = await nats.connect(url)
    js = client.jetstream()
    subscription = await js.pull_subscribe(subject, durable="py", stream=stream)
    received = 0
    start = time.perf_counter()
    while received < count:
        try:
            messages = await subscription.fetch(256, timeout=2)
        except nats.errors.TimeoutError:
            continue
        for message in messages:
            await message.ack()
        received += len(messages)
    elapsed = time.perf_counter() - start
    await client.close()
    return elapsed


def switchyard_publish(binary, url, subject, input_path, directory):
    pipeline = os.path.join(directory, "publish.yaml")
    with open(pipeline, "w") as f:
        f.write(f"""sources:
  in: {{ type: file, path: "{input_path}" }}
sinks:
  out: {{ type: nats, inputs: [in], url: "{url}", subject: {subject}, window: 256 }}
""")
    start = time.perf_counter()
    subprocess.run([binary, "run", "--progress-interval", "0", "--log-level", "warning", pipeline], check=True)
    return time.perf_counter() - start


def switchyard_consume(binary, url, stream, subject, count, directory):
    pipeline = os.path.join(directory, "consume.yaml")
    with open(pipeline, "w") as f:
        f.write(f"""sources:
  in: {{ type: nats, url: "{url}", stream: {stream}, consumer: sy, subject: "{subject}", batch: 256, max_ack_pending: 10000 }}
sinks:
  out: {{ type: blackhole, inputs: [in] }}
""")
    start = time.perf_counter()
    process = subprocess.Popen([binary, "run", "--progress-interval", "0", "--log-level", "warning", pipeline])
    while not asyncio.run(consumer_done(url, stream, "sy", count)):
        time.sleep(0.05)
    elapsed = time.perf_counter() - start
    process.send_signal(signal.SIGTERM)
    process.wait()
    return elapsed


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--binary", default=os.path.join(HERE, "..", ".build", "release", "switchyard"))
    args = parser.parse_args()
    directory = tempfile.mkdtemp(prefix="nats-bench-")
    input_path = os.path.join(directory, "w1.ndjson")
    subprocess.run([sys.executable, os.path.join(SHARED, "gen_events.py"), str(args.events), input_path], check=True)
    with open(input_path, "rb") as f:
        lines = [line.rstrip(b"\n") for line in f]
    port = free_port()
    url = f"nats://127.0.0.1:{port}"
    server = subprocess.Popen(["nats-server", "-js", "-a", "127.0.0.1", "-p", str(port), "-sd", os.path.join(directory, "store")],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    results = {"publish nats-py": [], "publish switchyard": [], "consume nats-py": [], "consume switchyard": []}
    try:
        for run in range(args.runs):
            for who in ("py", "sy"):
                stream, subject = f"B{run}{who}", f"b{run}{who}.events"
                asyncio.run(create_stream(url, stream, subject))
                if who == "py":
                    results["publish nats-py"].append(asyncio.run(python_publish(url, subject, lines)))
                else:
                    results["publish switchyard"].append(switchyard_publish(args.binary, url, subject, input_path, directory))
                stored = asyncio.run(stream_messages(url, stream))
                assert stored == args.events, f"{stream}: {stored} messages stored, expected {args.events}"
                if who == "py":
                    results["consume nats-py"].append(asyncio.run(python_consume(url, stream, subject, args.events)))
                else:
                    results["consume switchyard"].append(switchyard_consume(args.binary, url, stream, subject, args.events, directory))
    finally:
        server.terminate()
        server.wait()
        shutil.rmtree(directory, ignore_errors=True)
    print(f"{args.events} W1 events, median of {args.runs} runs (nats-server {subprocess.run(['nats-server', '--version'], capture_output=True, text=True).stdout.strip()})")
    for kind in ("publish", "consume"):
        python = statistics.median(results[f"{kind} nats-py"])
        switchyard = statistics.median(results[f"{kind} switchyard"])
        print(f"{kind:8} nats-py {args.events / python:10.0f} events/s   switchyard {args.events / switchyard:10.0f} events/s   ratio {python / switchyard:.2f}x")


if __name__ == "__main__":
    main()
