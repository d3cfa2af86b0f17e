"""An exec sink for tests: appends each line to OUT and answers ok.

usage: sink.py OUT MARKER CRASH_AT
The first run (MARKER missing) exits with status 2 upon reading its CRASH_AT-th line, after
writing it to OUT but before answering: that event is in flight and is sent again.
"""
import os
import sys

out_path, marker, crash_at = sys.argv[1], sys.argv[2], int(sys.argv[3])
first = not os.path.exists(marker)
count = 0
with open(out_path, "a") as out:
    for line in sys.stdin:
        count += 1
        out.write(line)
        out.flush()
        if first and count == crash_at:
            open(marker, "w").close()
            sys.exit(2)
        sys.stdout.write("ok\n")
        sys.stdout.flush()
