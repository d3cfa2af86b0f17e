#!/usr/bin/env python3
"""Switchyard beside its peers on the shared workloads, measured in the same run.

  Benchmarks/compare.py [--events N] [--reps 3] [--workloads w1] [--dir /var/tmp/evbench]
  SWITCHYARD_BEFORE_BIN=/path/to/older/switchyard Benchmarks/compare.py ...   # before/after in one run
  Benchmarks/compare.py --workloads w1,w4 --disk-buffer    # also with buffer: { type: disk } on the sink
  Benchmarks/compare.py --workloads w1,w5,w5x2,w5x4,w6,w6x2,w6x4,w7,w7x2,w7x4   # cost as the pipeline grows

W5-W7 measure Switchyard alone, against its own W1 (no peer runs them):
  w5   fan-out: one route with 8 routes (by the last character of .context.id) into 8 file sinks
  w6   depth: a chain of 10 remap stages, each setting one field
  w7   state: dedupe on .context.id (cache_size 1,000,000), throttle keyed by a field with
       100k distinct values (10 events each, all let through), a file sink whose path
       template gives 10k distinct files (at most 256 open at once)
  wNx2, wNx4: the same at 2x and 4x the width (routes, stages, keys and files).

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


# The 32 characters that end a context id (Crockford's base32), split among the routes of W5.
ID_CHARACTERS = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def scaled(workload):
    """('w5', 2) for 'w5x2'."""
    name, _, factor = workload.partition("x")
    return name, int(factor or 1)


def scaling_pipeline(workload, inp, out):
    """The W5-W7 pipeline text at its width; outputs go under the directory `out`."""
    name, factor = scaled(workload)
    if name == "w5":
        routes = 8 * factor
        per_route = len(ID_CHARACTERS) // routes
        lines = ["sources:", f'  in: {{ type: file, path: "{inp}", follow: false }}', "transforms:", "  split:",
                 "    type: route", "    inputs: [in]", "    routes:"]
        for index in range(routes):
            characters = ID_CHARACTERS[index * per_route:(index + 1) * per_route]
            condition = " || ".join(f'ends_with(.context.id, "{c}")' for c in characters)
            lines.append(f"      r{index}: '{condition}'")
        lines.append("sinks:")
        for index in range(routes):
            lines.append(f'  out{index}: {{ type: file, inputs: [split.r{index}], path: "{out}/r{index}.ndjson" }}')
        return "\n".join(lines) + "\n"
    if name == "w6":
        depth = 10 * factor
        lines = ["sources:", f'  in: {{ type: file, path: "{inp}", follow: false }}', "transforms:"]
        for index in range(depth):
            previous = "in" if index == 0 else f"step{index - 1}"
            lines.append(f'  step{index}: {{ type: remap, inputs: [{previous}], source: ".f{index} = {index}" }}')
        lines += ["sinks:", f'  out: {{ type: file, inputs: [step{depth - 1}], path: "{out}/out.ndjson" }}']
        return "\n".join(lines) + "\n"
    if name == "w7":
        return f"""sources:
  in: {{ type: file, path: "{inp}", follow: false }}
transforms:
  unique:
    type: dedupe
    inputs: [in]
    fields: [.context.id]
    cache_size: 1000000
  limit:
    type: throttle
    inputs: [unique]
    key: .k
    threshold: 10
    window: 1h
sinks:
  out: {{ type: file, inputs: [limit], path: "{out}/{{{{ .f }}}}.ndjson" }}
"""
    raise SystemExit(f"unknown workload {workload}")


def w7_input(inp, factor):
    """The input with "k" (100k x factor distinct values) and "f" (10k x factor) added to each event."""
    derived = inp.replace(".ndjson", f"-w7x{factor}.ndjson")
    if not os.path.exists(derived):
        with open(inp, "rb") as source, open(derived, "wb") as target:
            for number, line in enumerate(source):
                suffix = f',"k":{number % (100_000 * factor)},"f":{number % (10_000 * factor)}}}\n'.encode()
                target.write(line.rstrip(b"\n")[:-1] + suffix)
    return derived


def check_scaling(workload, inp, out):
    """Every event of the input in the outputs, once (order-independent digest of the lines, with
    W6's and W7's added fields taken out again); the number of output files."""
    import hashlib
    import json

    def digest(lines):
        total = 0
        for line in lines:
            total = (total + int.from_bytes(hashlib.blake2b(line, digest_size=8).digest(), "little")) % (1 << 64)
        return total

    name, factor = scaled(workload)
    files = sorted(os.listdir(out))
    lines = []
    for file in files:
        with open(os.path.join(out, file), "rb") as f:
            lines.extend(f.read().splitlines())
    if name == "w6":
        def strip(line):
            value = json.loads(line)
            for index in range(10 * factor):
                if value.pop(f"f{index}", None) != index:
                    raise SystemExit(f"w6: field f{index} missing")
            return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()
        lines = [strip(line) for line in lines]
    with open(inp, "rb") as f:
        expected = f.read().splitlines()
    ok = len(lines) == len(expected) and digest(lines) == digest(expected)
    return f"{'OK' if ok else 'FAILED'} count={len(lines)} files={len(files)}"


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
            # The same pipeline on one core: its CPU-seconds against its wall-seconds.
            ("switchyard --threads 1", lambda i, o: switchyard_w2(i, o) + ["--threads", "1"]),
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
    if workload[:2] in ("w5", "w6", "w7"):
        def switchyard_scaling(inp, out):
            subprocess.run(["rm", "-rf", out])
            os.makedirs(out)
            pipeline = os.path.join(work, f"{workload}.yaml")
            with open(pipeline, "w") as f:
                f.write(scaling_pipeline(workload, inp, out))
            return [BINARY, "run", pipeline, "--log-level", "warning"]
        return [("switchyard", switchyard_scaling)]
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
        scaling = workload[:2] in ("w5", "w6", "w7")
        workload_input = w7_input(inp, scaled(workload)[1]) if workload.startswith("w7") else inp
        for rep in range(args.reps):
            # The build measured first in a rep runs after the peers' big writes and was slower
            # for it (W1 0.8 s against 0.6 s, equal when interleaved by hand): on every other rep
            # the "before" build goes first.
            order = list(tools)
            if rep % 2 and len(order) > 1 and order[1][0].endswith("(before)"):
                order[0], order[1] = order[1], order[0]
            for name, build in order:
                out = os.path.join(args.dir, f"out-{workload}" if scaling else f"out-{workload}." + ("db" if workload == "w3" else "ndjson"))
                for stale in (out, out + "-journal", out + "-wal", out + "-shm"):
                    if os.path.isfile(stale):
                        os.remove(stale)
                receiver = None
                if workload == "w4":  # the shared receiver stores what it gets; verify.py reads that
                    receiver = subprocess.Popen([sys.executable, os.path.join(PEERS, "http_receiver.py"), str(W4_PORT), out])
                    time.sleep(0.5)
                subprocess.run(["sync"])
                subprocess.run(["cat", workload_input], stdout=subprocess.DEVNULL)  # input into the page cache
                wall, rss, cpu = timed(build(workload_input, out))
                if receiver:
                    time.sleep(0.3)
                    receiver.terminate()
                    receiver.wait()
                if scaling:
                    verdict = check_scaling(workload, workload_input, out)
                else:
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

    w1 = next((row[2] for row in rows if row[0] == "w1" and row[1] == "switchyard"), None)
    if w1 and any(row[0][:2] in ("w5", "w6", "w7") for row in rows):
        print("\nSwitchyard's speed as a share of its W1 speed (same run):")
        for row in rows:
            if row[1] == "switchyard":
                print(f"  {row[0]:5s} {w1 / row[2]:.2f} of W1")
    print(f"\n{args.events:,} events, {size_mb:.1f} MB input, median of {args.reps}\n")
    print("| W | tool | wall s median | (min-max) | events/s | MB/s | peak RSS MB | CPU s | check |")
    print("|---|---|---:|---|---:|---:|---:|---:|---|")
    for w, name, median, low, high, rate, mbs, rss, cpu, check in rows:
        print(f"| {w} | {name} | {median:.2f} | {low:.2f}-{high:.2f} | {rate:,.0f} | {mbs:.1f} | {rss:.1f} | {cpu:.2f} | {check} |")


if __name__ == "__main__":
    main()
