#!/usr/bin/env bash
# Builds and runs the libFuzzer harnesses against SwitchyardKit's sources.
#
#   Fuzz/run.sh [json|expressions|all] [SECONDS]     (default: all, 600 s each)
#
# Each target is compiled with swiftc -sanitize=fuzzer,address straight from the sources it
# needs (no SwiftPM: the dependencies need no sanitizer build). Its corpus grows in
# .build/fuzz/<target>; the committed seeds are in Fuzz/<Target>/corpus. A crash, hang
# (-timeout=5) or memory blow-up (-rss_limit_mb=1024) leaves its input in .build/fuzz: add it
# to a regression test and fix the code.
set -euo pipefail
cd "$(dirname "$0")/.."
kit=Sources/SwitchyardKit
seconds=${2:-600}
mkdir -p .build/fuzz

build_and_run() {
    local name=$1 harness=$2; shift 2
    echo "== $name: building"
    swiftc -sanitize=fuzzer,address -parse-as-library -O -module-name SwitchyardKit "$@" "$harness" -o ".build/fuzz/$name"
    mkdir -p ".build/fuzz/$name-corpus"
    echo "== $name: fuzzing for $seconds s"
    # -detect_leaks=0: Foundation's NSRegularExpression leaks 544 bytes for every pattern it refuses
    # (found by the expressions target; not Switchyard's memory, and only at load time).
    (cd .build/fuzz && "./$name" -max_total_time="$seconds" -timeout=5 -rss_limit_mb=1024 -detect_leaks=0 -print_final_stats=1 \
        "$name-corpus" "../../Fuzz/$(dirname "${harness#Fuzz/}")/corpus")
}

target=${1:-all}
if [[ $target == json || $target == all ]]; then
    build_and_run json Fuzz/JSON/JSONFuzz.swift $kit/Codec/JSONByteReader.swift $kit/Codec/JSONParseError.swift \
        $kit/Codec/JSONParser.swift $kit/Codec/JSONWriter.swift $kit/Codec/UTF8Validation.swift \
        $kit/Event/JSONValue.swift $kit/Event/JSONObject.swift
fi
if [[ $target == expressions || $target == all ]]; then
    build_and_run expressions Fuzz/Expressions/ExpressionFuzz.swift $kit/Codec/*.swift $kit/Event/*.swift \
        $kit/Expressions/*.swift $kit/Acknowledgements/*.swift \
        $(ls $kit/Config/*.swift | grep -v -E 'ConfigNodeBuilder|PipelineLoader|APIConfiguration')
fi
