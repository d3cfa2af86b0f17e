#!/usr/bin/env python3
"""Writes lld's --symbol-ordering-file from callgrind profiles of the shipped binary.

Every function a profile saw run is listed, in the order the profiles are given and, within
one, as callgrind first names it; linked in that order, the code a running pipeline uses
sits together instead of spread over 30 MB, so the pages the kernel maps for it (64 KB
around each page touched) hold little else. Names the binary does not define (libc's)
are left out.

usage: symbol_order.py BINARY OUTPUT PROFILE...   (profiles: callgrind --demangle=no)
"""
import re
import subprocess
import sys

FUNCTION = re.compile(r"^c?fn=\(\d+\) (.+?)(?:'\d+)?$")


def defined_functions(binary):
    listing = subprocess.run(["nm", "--defined-only", binary], check=True, capture_output=True,
                             text=True).stdout
    return {fields[2] for fields in map(str.split, listing.splitlines())
            if len(fields) == 3 and fields[1] in "tTwW"}


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__.strip().splitlines()[-1])
    binary, output, profiles = sys.argv[1], sys.argv[2], sys.argv[3:]
    defined = defined_functions(binary)
    order, seen = [], set()
    for profile in profiles:
        with open(profile, errors="replace") as lines:
            for line in lines:
                match = FUNCTION.match(line.rstrip("\n"))
                if match and match.group(1) in defined and match.group(1) not in seen:
                    seen.add(match.group(1))
                    order.append(match.group(1))
    with open(output, "w") as f:
        f.write("".join(name + "\n" for name in order))
    print(f"symbol order: {len(order)} of {len(defined)} functions ran in the profiles",
          file=sys.stderr)


if __name__ == "__main__":
    main()
