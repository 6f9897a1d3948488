#!/usr/bin/env bash
# `make bench`: builds gatecheck and gatecheck-bench in release mode, then prints the performance table
# of docs/performance.md (bench/run_bench.py takes the measurements: wrk, /usr/bin/time -v, the binaries).
#
#   BENCH_QUICK=1        fewer, shorter runs (about a minute instead of about four)
#   BENCH_OUT=FILE       also write the table to FILE
#   BENCH_BIN_DIR=DIR    use already built release binaries from DIR instead of building
#   BENCH_SCRATCH=DIR    SwiftPM scratch path for the release build (default: .build)
#   BENCH_KEEP=1         keep the temporary directory with the generated suites and reports
#   BENCH_STATIC=1       link the Swift runtime statically (--static-swift-stdlib): faster process start
#   BENCH_ONLY=runner    only the runner section; BENCH_ONLY=html only the HTML report's size and opening time;
#   BENCH_ONLY=goals     only cold start and the emulator beside nginx (issue 23's goals)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

# Tools: wrk and GNU time from Debian, installed the way scripts/install-deps.sh installs packages.
missing=()
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
[ -x /usr/bin/time ] || missing+=(time)
command -v python3 >/dev/null 2>&1 || missing+=(python3)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx)
if [ "${#missing[@]}" -gt 0 ]; then
    echo "bench: installing ${missing[*]} with apt-get" >&2
    sudo_cmd=""
    [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null
fi
# Chromium (the HTML report's opening time) is optional: without it that row says "not measured".
if ! command -v chromium >/dev/null 2>&1; then
    echo "bench: installing chromium with apt-get (the HTML report's opening time)" >&2
    sudo_cmd=""
    [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
    { $sudo_cmd apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq chromium >/dev/null; } \
        || echo "bench: chromium could not be installed; the HTML report's opening time is not measured" >&2
fi

if [ -n "${BENCH_BIN_DIR:-}" ]; then
    bin_dir="$BENCH_BIN_DIR"
else
    if ! grep -q '"gatecheck-bench"' Package.swift; then
        echo "bench: error: Package.swift does not declare the gatecheck-bench target; add" >&2
        echo '    .executableTarget(name: "gatecheck-bench", dependencies: ["VTL", "JSONCore", "Gateway", "Backends", "HTTPMessage"]),' >&2
        exit 1
    fi
    swift_args=(-c release)
    [ -n "${BENCH_SCRATCH:-}" ] && swift_args+=(--scratch-path "$BENCH_SCRATCH")
    [ "${BENCH_STATIC:-0}" = 1 ] && swift_args+=(--static-swift-stdlib)
    echo "bench: building release binaries (swift build ${swift_args[*]})" >&2
    swift build "${swift_args[@]}" --product gatecheck >&2
    swift build "${swift_args[@]}" --product gatecheck-bench >&2
    bin_dir="$(swift build "${swift_args[@]}" --show-bin-path)"
fi
for binary in gatecheck gatecheck-bench; do
    [ -x "$bin_dir/$binary" ] || { echo "bench: error: $bin_dir/$binary not found" >&2; exit 1; }
done

args=(--gatecheck "$bin_dir/gatecheck" --bench "$bin_dir/gatecheck-bench")
[ -n "${BENCH_OUT:-}" ] && args+=(--output "$BENCH_OUT")
exec python3 bench/run_bench.py "${args[@]}"
