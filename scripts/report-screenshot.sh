#!/usr/bin/env bash
# Regenerates docs/images/html-report.png, the README's picture of the HTML report: runs the bundled suites on the
# embedded emulator with --html and photographs the page in headless Chromium (Debian's chromium package).
#
#   scripts/report-screenshot.sh [GATECHECK_BINARY]    (default: .build/debug/gatecheck, built if missing)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
binary="${1:-.build/debug/gatecheck}"
[ -x "$binary" ] || swift build --product gatecheck >&2
command -v chromium >/dev/null 2>&1 || { echo "report-screenshot: chromium is not installed (scripts/install-deps.sh --test installs it)" >&2; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# The bundled suites all pass: exit status 0 is expected, anything else is reported.
"$binary" run suites --junit "$work/junit.xml" --html "$work/report.html" \
    --property "git.sha=$(git rev-parse --short HEAD)" --property "git.branch=$(git rev-parse --abbrev-ref HEAD)" >/dev/null
chromium --headless --no-sandbox --disable-gpu --no-first-run --disable-extensions --user-data-dir="$work/profile" \
    --hide-scrollbars --window-size=1280,1800 --screenshot="$root/docs/images/html-report.png" "file://$work/report.html" \
    >/dev/null 2>&1
echo "report-screenshot: wrote docs/images/html-report.png" >&2
