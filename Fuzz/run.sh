#!/usr/bin/env bash
# Builds and runs the libFuzzer harnesses against SwitchyardKit's sources.
#
#   Fuzz/run.sh [json|expressions|config|all] [SECONDS]     (default: all, 600 s each)
#
# json and expressions are compiled with swiftc -sanitize=fuzzer,address straight from the
# sources they need. config needs Yams and swift-log: SwitchyardKit is built by SwiftPM
# with the sanitizers into .build/fuzz-spm, and the harness is linked against its objects. Its corpus grows in
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
    run_target "$name" "$(dirname "${harness#Fuzz/}")"
}

run_target() {
    local name=$1 directory=$2
    mkdir -p ".build/fuzz/$name-corpus"
    echo "== $name: fuzzing for $seconds s"
    # -detect_leaks=0: Foundation's NSRegularExpression leaks 544 bytes for every pattern it refuses
    # (found by the expressions target; not Switchyard's memory, and only at load time).
    (cd .build/fuzz && "./$name" -max_total_time="$seconds" -timeout=5 -rss_limit_mb=1024 -detect_leaks=0 -print_final_stats=1 \
        "$name-corpus" "../../Fuzz/$directory/corpus")
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
if [[ $target == config || $target == all ]]; then
    echo "== config: building SwitchyardKit with the sanitizers"
    swift build -c release --scratch-path .build/fuzz-spm --target SwitchyardKit \
        -Xswiftc -sanitize=fuzzer,address -Xcc -fsanitize=fuzzer-no-link,address
    products=.build/fuzz-spm/release
    swiftc -sanitize=fuzzer,address -parse-as-library -O -I $products/Modules \
        -Xcc -I -Xcc .build/checkouts/Yams/Sources/CYaml/include Fuzz/Config/ConfigFuzz.swift \
        $(find $products/SwitchyardKit.build $products/Yams.build $products/CYaml.build $products/Logging.build -name '*.o') \
        -o .build/fuzz/config
    run_target config Config
fi

