#!/usr/bin/env bash
# Builds the libFuzzer executables of Fuzz/ (release, -sanitize=fuzzer,address) and runs each target for
# FUZZ_SECONDS on its seed corpus. Prints executions, exec/s, coverage and crashes per target; exits 1 when any
# target found a crash, a timeout or an out-of-memory input (the reproducer is in the artifacts directory), 2 when
# the build fails. See docs/fuzzing.md.
#
# Environment:
#   FUZZ_SECONDS      seconds per target (default 60)
#   FUZZ_TARGETS      space-separated subset of: vtl jsonpath json suite-loader request (default: all)
#   FUZZ_WORK_DIR     where the grown corpus, artifacts and logs go (default .build/fuzz)
#   FUZZ_PACKAGE_DIR  the fuzz package (default Fuzz)
#   FUZZ_SKIP_BUILD   1 to reuse executables already built
#   FUZZ_ARGS         extra libFuzzer flags for every target (e.g. "-jobs=2 -workers=2")
set -u -o pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
seconds="${FUZZ_SECONDS:-60}"
targets="${FUZZ_TARGETS:-vtl jsonpath json suite-loader request}"
package_dir="${FUZZ_PACKAGE_DIR:-$root/Fuzz}"
seed_dir="$root/Fuzz/corpus"
work_dir="${FUZZ_WORK_DIR:-$root/.build/fuzz}"
swift="${SWIFT:-swift}"
build_flags=(-c release -Xswiftc -sanitize=fuzzer,address)

case "$seconds" in
    ''|*[!0-9]*|0) echo "fuzz.sh: FUZZ_SECONDS must be a positive whole number of seconds, got '$seconds'" >&2; exit 2 ;;
esac
for target in $targets; do
    case "$target" in
        vtl|jsonpath|json|suite-loader|request) ;;
        *) echo "fuzz.sh: unknown target '$target' (known: vtl jsonpath json suite-loader request)" >&2; exit 2 ;;
    esac
done

if [ "${FUZZ_SKIP_BUILD:-0}" != 1 ]; then
    echo "==> building fuzz targets in $package_dir (release, -sanitize=fuzzer,address)"
    if ! (cd "$package_dir" && "$swift" build "${build_flags[@]}"); then
        echo "fuzz.sh: build failed (libFuzzer needs Swift's Linux toolchain, which ships compiler-rt's libFuzzer)" >&2
        exit 2
    fi
fi
bin_dir="$(cd "$package_dir" && "$swift" build "${build_flags[@]}" --show-bin-path)"

# Leak checking is off: the Swift runtime and SwiftNIO keep process-lifetime allocations that LeakSanitizer reports.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0:allocator_may_return_null=1}"
# Swift's own crash backtracer reads process memory in ways AddressSanitizer reports; libFuzzer prints the stack.
export SWIFT_BACKTRACE="${SWIFT_BACKTRACE:-enable=no}"

max_len() {
    case "$1" in
        suite-loader) echo 16384 ;;
        request) echo 16384 ;;
        *) echo 8192 ;;
    esac
}

failed=0
summary=()
for target in $targets; do
    executable="$bin_dir/fuzz-$target"
    corpus="$work_dir/corpus/$target"
    artifacts="$work_dir/artifacts/$target/"
    log="$work_dir/logs/$target.log"
    mkdir -p "$corpus" "$artifacts" "$(dirname "$log")"
    if [ ! -x "$executable" ]; then
        echo "fuzz.sh: $executable is missing; build first (or unset FUZZ_SKIP_BUILD)" >&2
        exit 2
    fi
    before_list=$(find "$artifacts" -type f | sort)
    echo "==> fuzz-$target for ${seconds}s (grown corpus: $corpus, seeds: $seed_dir/$target, log: $log)"
    dictionary=()
    if [ -f "$root/Fuzz/dict/$target.dict" ]; then dictionary=(-dict="$root/Fuzz/dict/$target.dict"); fi
    # The grown corpus comes first: libFuzzer writes new inputs there, never into the committed seeds.
    # shellcheck disable=SC2086
    "$executable" "$corpus" "$seed_dir/$target" "${dictionary[@]}" \
        -max_total_time="$seconds" -timeout=25 -rss_limit_mb=4096 -max_len="$(max_len "$target")" \
        -artifact_prefix="$artifacts" -print_final_stats=1 -detect_leaks=0 ${FUZZ_ARGS:-} >"$log" 2>&1
    status=$?
    new_artifacts=$(comm -13 <(echo "$before_list") <(find "$artifacts" -type f | sort) | sed '/^$/d')
    crashes=$(echo -n "$new_artifacts" | grep -c . || true)
    executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log" | tail -1)
    coverage=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
    features=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
    corpus_size=$(find "$corpus" -type f | wc -l)
    line=$(printf '%-13s executions %-10s exec/s %-7s cov: %-6s ft: %-6s corpus: %-5s peak RSS: %-5s MB crashes: %s' \
        "$target" "${executions:-?}" "${rate:-?}" "${coverage:-?}" "${features:-?}" "$corpus_size" "${rss:-?}" "$crashes")
    if [ "$status" -ne 0 ] || [ "$crashes" -gt 0 ]; then
        failed=1
        line="$line  FAILED (exit $status)"
        echo "    fuzz-$target failed; reproducers:" >&2
        echo "$new_artifacts" | sed 's/^/      /' >&2
        grep -m 5 -E 'ERROR: |Fatal error|SUMMARY' "$log" | sed 's/^/      /' >&2
        echo "    reproduce: $executable <reproducer>" >&2
    fi
    echo "    $line"
    summary+=("$line")
done

echo
echo "fuzz summary (${seconds}s per target):"
for line in "${summary[@]}"; do echo "  $line"; done
exit "$failed"
