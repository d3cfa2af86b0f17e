#!/usr/bin/env python3
"""Writes lld's --symbol-ordering-file from callgrind profiles of the shipped binary.

The kernel maps up to 64 KB around each page of code touched, so what a running pipeline
keeps resident is the span its functions are spread over, not their size. Linked in this
order, the functions each profile saw run sit together, the profiles taken in the order
given (the idle pipeline's steady state first: what stays mapped once start-up pages are
released).

Within one profile, functions that have a section of their own come first, in the order
callgrind names them. A function sharing its section with many others (the toolchain's
libraries are not built with a section per function: libswiftCore's private functions are one
1.6 MB section) can only move with all of them, so such sections follow, once each: placed
among the profile's own functions they would spread them over megabytes. Which section holds
a function is read from the link map (-Map) of the profiled binary. Names the binary does not
define (libc's) are left out.

usage: symbol_order.py BINARY MAP OUTPUT PROFILE...   (profiles: callgrind --demangle=no)
"""
import bisect
import collections
import re
import subprocess
import sys

FUNCTION = re.compile(r"^c?fn=\(\d+\) (.+?)(?:'\d+)?$")
# lld's map: address, load address, size, alignment, then the name indented by depth (an
# output section at depth 0, an input section at 8, a symbol at 16).
MAP_LINE = re.compile(r"^\s*([0-9a-f]+)\s+[0-9a-f]+\s+([0-9a-f]+)\s+\d+ (\s*)(\S.*)$")
# A section with more functions than this, and larger than a page, is shared.
SHARED_FUNCTIONS = 2
PAGE = 4096


def defined_functions(binary):
    listing = subprocess.run(["nm", "--defined-only", binary], check=True, capture_output=True,
                             text=True).stdout
    return {fields[2]: int(fields[0], 16) for fields in map(str.split, listing.splitlines())
            if len(fields) == 3 and fields[1] in "tTwW"}


def code_sections(link_map):
    """(address, size) of every input section in .text."""
    sections, output = [], None
    with open(link_map) as lines:
        for line in lines:
            match = MAP_LINE.match(line.rstrip("\n"))
            if not match:
                continue
            depth, name = len(match.group(3)), match.group(4)
            if depth == 0:
                output = name
            elif depth == 8 and output == ".text":
                sections.append((int(match.group(1), 16), int(match.group(2), 16)))
    return sorted(sections)


def main():
    if len(sys.argv) < 5:
        sys.exit(__doc__.strip().splitlines()[-1])
    binary, link_map, output, profiles = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
    address = defined_functions(binary)
    sections = code_sections(link_map)
    starts = [start for start, _ in sections]

    def section_of(name):
        index = bisect.bisect_right(starts, address[name]) - 1
        return sections[index] if index >= 0 else None

    members = collections.Counter(section_of(name) for name in address)
    order, seen, placed = [], set(), set()
    for profile in profiles:
        alone, shared = [], []
        with open(profile, errors="replace") as lines:
            for line in lines:
                match = FUNCTION.match(line.rstrip("\n"))
                if not match or match.group(1) not in address or match.group(1) in seen:
                    continue
                name = match.group(1)
                seen.add(name)
                section = section_of(name)
                is_shared = section and members[section] > SHARED_FUNCTIONS and section[1] > PAGE
                (shared if is_shared else alone).append((name, section))
        order += [name for name, _ in alone]
        for name, section in shared:
            if section not in placed:
                placed.add(section)
                order.append(name)
    with open(output, "w") as f:
        f.write("".join(name + "\n" for name in order))
    print(f"symbol order: {len(order)} names for the {len(seen)} of {len(address)} functions that "
          f"ran in the profiles ({len(placed)} shared sections)", file=sys.stderr)


if __name__ == "__main__":
    main()
