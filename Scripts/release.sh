#!/usr/bin/env bash
# Builds the binary to ship: release, Swift runtime and Foundation linked in statically
# (--static-swift-stdlib), symbols stripped. It runs on a Linux machine without the Swift
# toolchain; it still needs the system's libc, libstdc++, libz and libsqlite3 (Debian:
# libsqlite3-0), which every Debian/Ubuntu image has or gets with one package.
#
# usage: Scripts/release.sh [OUTPUT]        (default: dist/switchyard)
set -euo pipefail
cd "$(dirname "$0")/.."
OUTPUT=${1:-dist/switchyard}
swift build -c release --product switchyard --static-swift-stdlib --scratch-path .build/static -Xlinker -s
mkdir -p "$(dirname "$OUTPUT")"
cp .build/static/release/switchyard "$OUTPUT"

# Check: no Swift library is needed at run time, and it runs alone with no library path.
if ldd "$OUTPUT" | grep -Ei 'swift|Foundation|icu'; then
    echo "error: $OUTPUT still links Swift libraries" >&2
    exit 1
fi
ALONE=$(mktemp -d)
trap 'rm -rf "$ALONE"' EXIT
cp "$OUTPUT" "$ALONE/switchyard"
printf 'sources:\n  g: { type: generator, count: 3, lines: [x] }\nsinks:\n  o: { type: blackhole, inputs: [g] }\n' > "$ALONE/p.yaml"
(cd "$ALONE" && env -i PATH=/usr/bin:/bin LD_LIBRARY_PATH= ./switchyard run p.yaml 2>/dev/null)
echo "$OUTPUT: $(du -h "$OUTPUT" | cut -f1), runs without the Swift toolchain; needs: $(ldd "$OUTPUT" | awk '/=>/ {print $1}' | tr '\n' ' ')"
