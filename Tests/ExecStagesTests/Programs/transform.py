"""An exec transform for tests: answers each JSON line on stdin with one line on stdout.

usage: transform.py [crash-at N] [garbage-every K] [hang-on-field F]
- crash-at N: exit with status 3 upon reading this run's Nth line, before answering it.
- garbage-every K: answer every Kth line with text that is not JSON.
- hang-on-field F: never answer (sleep) an event that has field F.
- huge-on-field F: answer an event that has field F with a 50 MB line.
An event with "split": true is answered with two events; "drop": true with [].
"""
import json
import sys
import time

args = sys.argv[1:]
options = dict(zip(args[::2], args[1::2]))
crash_at = int(options.get("crash-at", 0))
garbage_every = int(options.get("garbage-every", 0))
hang_on = options.get("hang-on-field")
huge_on = options.get("huge-on-field")

count = 0
for line in sys.stdin:
    count += 1
    if crash_at and count == crash_at:
        sys.exit(3)
    event = json.loads(line)
    if hang_on and hang_on in event:
        time.sleep(3600)
    if huge_on and huge_on in event:
        answer = "[" + "1," * 25_000_000 + "1]"
    elif garbage_every and count % garbage_every == 0:
        answer = "this is not json"
    elif event.get("drop"):
        answer = "[]"
    elif event.get("split"):
        answer = json.dumps([dict(event, part=1), dict(event, part=2)])
    else:
        event["seen"] = True
        answer = json.dumps(event)
    sys.stdout.write(answer + "\n")
    sys.stdout.flush()
