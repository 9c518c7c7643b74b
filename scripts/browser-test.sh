#!/usr/bin/env bash
# Browser tests of the HTML pages (issue 16): nerkit eval --format html and
# nerkit show --html opened in headless Chromium, driven by playwright-core
# (scripts/browser-test.js). Installs Debian's chromium with apt-get and
# playwright-core with npm when they are missing; when either cannot be
# had, it prints why and exits 0 (the tests are skipped, not failed).
# Screenshots go to target/browser-test/; the report and show screenshots
# are copied to docs/ for the README.
set -euo pipefail
cd "$(dirname "$0")/.."
skip() { echo "browser tests skipped: $*"; exit 0; }

find_chromium() { command -v chromium || command -v chromium-browser || true; }
CHROMIUM="${NERKIT_CHROMIUM:-$(find_chromium)}"
if [ -z "$CHROMIUM" ]; then
    if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
        echo "installing chromium and chromium-driver with apt-get"
        DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium chromium-driver >/dev/null 2>&1 ||
            { apt-get update >/dev/null 2>&1 &&
              DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium chromium-driver >/dev/null 2>&1; } ||
            skip "apt-get install chromium failed (no Debian mirror reachable?) on $(hostname)"
        CHROMIUM="$(find_chromium)"
    fi
    [ -n "$CHROMIUM" ] || skip "no chromium on $(hostname), and apt-get is not available as root to install it"
fi
command -v node >/dev/null || skip "no node on $(hostname) to run playwright-core"
if ! node -e 'require("playwright-core")' 2>/dev/null; then
    npm install --no-audit --no-fund --silent >/dev/null 2>&1 ||
        skip "npm install playwright-core failed (no npm registry reachable?) on $(hostname)"
fi

cargo build --quiet --bin nerkit
OUT=target/browser-test
rm -rf "$OUT" && mkdir -p "$OUT"
NERKIT=target/debug/nerkit
W=corpora/wnut17
"$NERKIT" eval --bootstrap --format html --output "$OUT/report.html" "$W/emerging.test.annotated" "$W/submissions/arcada" "$W/submissions/uh_ritual"
"$NERKIT" eval --bootstrap --format json --output "$OUT/report.json" "$W/emerging.test.annotated" "$W/submissions/arcada" "$W/submissions/uh_ritual"
"$NERKIT" eval -d tab --format html --output "$OUT/inject.html" tests/data/html/inject.tsv
"$NERKIT" show -d tab --html --output "$OUT/inject-show.html" tests/data/html/inject.tsv
"$NERKIT" show --html --output "$OUT/show.html" corpora/000_8c95ef11f0516e36.txt
"$NERKIT" show --html --output "$OUT/show-diff.html" "$W/emerging.test.annotated" "$W/submissions/uh_ritual"
echo "chromium: $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM"); playwright-core $(node -p 'require("playwright-core/package.json").version')"
node scripts/browser-test.js "$CHROMIUM" "$OUT"
mkdir -p docs
cp "$OUT/report.png" docs/report.png
cp "$OUT/show.png" docs/show.png
echo "browser tests passed; screenshots in $OUT/ (report and show copied to docs/)"
