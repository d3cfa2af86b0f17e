#!/usr/bin/env python3
"""Switchyard beside its peers on the shared workloads, measured in the same run.

  Benchmarks/compare.py [--events N] [--reps 3] [--workloads w1] [--dir /var/tmp/evbench]
  SWITCHYARD_BEFORE_BIN=/path/to/older/switchyard Benchmarks/compare.py ...   # before/after in one run
  Benchmarks/compare.py --workloads w1,w4 --disk-buffer    # also with buffer: { type: disk } on the sink

Uses ../shared/bench: gen_events.py for the input, verify.py to check every
output, and the peers' own scripts (python json, jq) as baselines. Switchyard
runs from .build/release/switchyard (build it first: swift build -c release).
Runs are interleaved (rep 1 of every tool, then rep 2, ...); the table shows
medians with (min-max) wall seconds, events/s over the input, peak RSS and CPU.
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.environ.get("SHARED_BENCH") or os.path.join(os.path.dirname(ROOT), "shared", "bench")
PEERS = os.path.join(SHARED, "peers")
BINARY = os.environ.get("SWITCHYARD_BIN") or os.path.join(ROOT, ".build", "release", "switchyard")
# Optional: another build (an earlier commit) measured in the same run, as "switchyard (before)".
BEFORE = os.environ.get("SWITCHYARD_BEFORE_BIN")

PIPELINES = {
    "w1": """
sources:
  in: {{ type: file, path: "{input}", follow: false }}
sinks:
  out: {{ type: file, inputs: [in], path: "{output}" }}
""",
}
# W2-W4 run the example pipelines themselves, with their inputs and outputs from the environment.
W2_PIPELINE = os.path.join(ROOT, "pipelines", "w2-filter-transform.yaml")
W3_PIPELINE = os.path.join(ROOT, "pipelines", "file-to-sqlite.yaml")
W4_PIPELINE = os.path.join(ROOT, "pipelines", "file-to-http.yaml")
W4_PORT = 18471


def cases(workload, work, disk_buffer=False):
    """(name, command builder) for every tool measured on a workload, with the earlier build and
    the disk-buffer variant (W1, W4) if asked."""
    tools = tool_cases(workload, work)
    if BEFORE:
        name, build = tools[0]
        tools.insert(1, (name + " (before)", lambda i, o: [BEFORE] + build(i, o)[1:]))
    if disk_buffer and workload in ("w1", "w4"):
        tools.insert(1, ("switchyard (disk buffer)", lambda i, o: disk_variant(workload, work, tools[0][1](i, o))))
    return tools


def disk_variant(workload, work, command):
    """The same pipeline with `buffer: { type: disk }` on its sink and a fresh data_dir."""
    with open(command[2]) as f:
        text = f.read()
    data = os.path.join(work, "disk-buffer-state")
    subprocess.run(["rm", "-rf", data])
    if workload == "w1":
        output = text.split('path: "')[2].split('"')[0]
        text = text.replace(f'path: "{output}" }}', f'path: "{output}", buffer: {{ type: disk, max_size: 4GB }} }}')
    else:
        text = text.replace("    dead_letter:", "    buffer: { type: disk, max_size: 4GB }\n    dead_letter:")
    variant = os.path.join(work, f"{workload}-disk.yaml")
    with open(variant, "w") as f:
        f.write(f"data_dir: {data}\n" + text)
    return [command[0], "run", variant] + command[3:]


def tool_cases(workload, work):
    """(name, command builder) for every tool measured on a workload."""
    def switchyard(inp, out):
        pipeline = os.path.join(work, f"{workload}.yaml")
        with open(pipeline, "w") as f:
            f.write(PIPELINES[workload].format(input=inp, output=out))
        return [BINARY, "run", pipeline, "--log-level", "warning"]

    if workload == "w2":
        def switchyard_w2(inp, out):
            os.environ["W2_INPUT"], os.environ["W2_OUTPUT"] = inp, out
            return [BINARY, "run", W2_PIPELINE, "--log-level", "warning"]
        return [
            ("switchyard", switchyard_w2),
            ("python json", lambda i, o: [sys.executable, os.path.join(PEERS, "py_w2.py"), i, o]),
            ("jq", lambda i, o: ["sh", os.path.join(PEERS, "jq_w2.sh"), i, o]),
        ]
    if workload == "w3":
        def switchyard_w3(inp, out):
            os.environ["W3_INPUT"], os.environ["W3_DB"] = inp, out
            return [BINARY, "run", W3_PIPELINE, "--log-level", "warning"]
        return [
            ("switchyard", switchyard_w3),
            ("python sqlite3", lambda i, o: [sys.executable, os.path.join(PEERS, "py_w3.py"), i, o, "1000"]),
        ]
    if workload == "w4":
        def switchyard_w4(inp, out):
            os.environ["W4_INPUT"], os.environ["W4_URI"] = inp, f"http://127.0.0.1:{W4_PORT}/ingest"
            return [BINARY, "run", W4_PIPELINE, "--log-level", "warning"]
        return [
            ("switchyard", switchyard_w4),
            ("python http.client", lambda i, o: [sys.executable, os.path.join(PEERS, "py_w4.py"), i, str(W4_PORT), "1000"]),
        ]
    if workload == "w1":
        return [
            ("switchyard", switchyard),
            ("python json", lambda i, o: [sys.executable, os.path.join(PEERS, "py_w1_json.py"), i, o]),
            ("jq -c .", lambda i, o: ["sh", os.path.join(PEERS, "jq_w1.sh"), i, o]),
        ]
    raise SystemExit(f"unknown workload {workload}")


def timed(command):
    """Runs under /usr/bin/time -v; returns (wall s, peak RSS MB, CPU s)."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as report:
        subprocess.run(["/usr/bin/time", "-v", "-o", report.name] + command, check=True,
                       stdout=subprocess.DEVNULL)
        fields = dict(line.strip().split(": ", 1) for line in report if ": " in line)
    wall = fields["Elapsed (wall clock) time (h:mm:ss or m:ss)"].split(":")
    seconds = sum(float(part) * 60 ** index for index, part in enumerate(reversed(wall)))
    cpu = float(fields["User time (seconds)"]) + float(fields["System time (seconds)"])
    return seconds, int(fields["Maximum resident set size (kbytes)"]) / 1024, cpu


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--workloads", default="w1")
    parser.add_argument("--dir", default=os.environ.get("BENCH_DIR", "/var/tmp/evbench"))
    parser.add_argument("--disk-buffer", action="store_true", help="also W1/W4 with a disk buffer on the sink")
    args = parser.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    inp = os.path.join(args.dir, f"input-{args.events}.ndjson")
    if not os.path.exists(inp):
        subprocess.run([sys.executable, os.path.join(SHARED, "gen_events.py"), str(args.events), inp], check=True)
    size_mb = os.path.getsize(inp) / 1e6

    rows = []
    for workload in args.workloads.split(","):
        tools = cases(workload, args.dir, args.disk_buffer)
        results = {name: [] for name, _ in tools}
        checks = {}
        for rep in range(args.reps):
            for name, build in tools:
                out = os.path.join(args.dir, f"out-{workload}." + ("db" if workload == "w3" else "ndjson"))
                for stale in (out, out + "-journal", out + "-wal", out + "-shm"):
                    if os.path.exists(stale):
                        os.remove(stale)
                receiver = None
                if workload == "w4":  # the shared receiver stores what it gets; verify.py reads that
                    receiver = subprocess.Popen([sys.executable, os.path.join(PEERS, "http_receiver.py"), str(W4_PORT), out])
                    time.sleep(0.5)
                subprocess.run(["sync"])
                subprocess.run(["cat", inp], stdout=subprocess.DEVNULL)  # input into the page cache
                wall, rss, cpu = timed(build(inp, out))
                if receiver:
                    time.sleep(0.3)
                    receiver.terminate()
                    receiver.wait()
                verdict = subprocess.run([sys.executable, os.path.join(SHARED, "verify.py"), workload, inp, out],
                                         capture_output=True, text=True).stdout.strip()
                checks[name] = verdict.split(" count")[0]
                results[name].append((wall, rss, cpu))
                print(f"{workload} rep {rep + 1} {name:21s} {wall:6.2f}s  {args.events / wall:>10,.0f} ev/s  "
                      f"{rss:6.1f} MB  {cpu:5.2f} CPU-s  {verdict}", flush=True)
        for name, runs in results.items():
            walls = [run[0] for run in runs]
            median = statistics.median(walls)
            rows.append((workload, name, median, min(walls), max(walls), args.events / median, size_mb / median,
                         statistics.median(run[1] for run in runs), statistics.median(run[2] for run in runs),
                         checks[name]))

    print(f"\n{args.events:,} events, {size_mb:.1f} MB input, median of {args.reps}\n")
    print("| W | tool | wall s median | (min-max) | events/s | MB/s | peak RSS MB | CPU s | check |")
    print("|---|---|---:|---|---:|---:|---:|---:|---|")
    for w, name, median, low, high, rate, mbs, rss, cpu, check in rows:
        print(f"| {w} | {name} | {median:.2f} | {low:.2f}-{high:.2f} | {rate:,.0f} | {mbs:.1f} | {rss:.1f} | {cpu:.2f} | {check} |")


if __name__ == "__main__":
    main()
