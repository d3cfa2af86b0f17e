"""An exec source for tests: prints COUNT events numbered from START, then exits.

usage: source.py MARKER COUNT
The first run (MARKER missing) prints COUNT events 1..COUNT, a line that is not JSON, creates
MARKER and exits with status 1; the next run prints COUNT+1..2*COUNT and exits 0.
"""
import json
import os
import sys

marker, count = sys.argv[1], int(sys.argv[2])
first = not os.path.exists(marker)
start = 1 if first else count + 1
for i in range(start, start + count):
    print(json.dumps({"i": i}), flush=True)
if first:
    print("not json", flush=True)
    open(marker, "w").close()
    sys.exit(1)
