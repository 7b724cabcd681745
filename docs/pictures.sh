#!/usr/bin/env bash
# Regenerates the README's pictures in docs/ from the bundled sample migrations:
#   docs/timeline.png     the Mermaid lock timeline of the markdown comment (0004)
#   docs/html-report.png  `check --format html`, as a browser shows it
#   docs/graph.png        `graph --format svg --object orders`, as a browser shows it
# Needs Chromium (Debian: apt-get install chromium) and mermaid-cli
# (PUPPETEER_SKIP_DOWNLOAD=1 npm install -g @mermaid-js/mermaid-cli); run from anywhere:
#   docs/pictures.sh
set -euo pipefail
cd "$(dirname "$0")/.."

chromium=${CHROMIUM:-$(command -v chromium || command -v chromium-browser || command -v google-chrome)}
mmdc=${MMDC:-$(command -v mmdc)}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cargo build --quiet
sg=${CARGO_TARGET_DIR:-target}/debug/schemaguard

shot() { # page, png, width,height
    "$chromium" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --hide-scrollbars \
        --window-size="$3" --screenshot="$2" "file://$1" 2>/dev/null
}

# the timeline: the chart of 0004 (locks held until commit, a new table told apart), from the markdown comment
"$sg" check --format markdown sample_migrations >"$work/comment.md" || true
awk '/^```mermaid$/ { keep = 1; chart = ""; next }
     /^```$/ && keep { keep = 0; if (chart ~ /0004_create_order_items/) { printf "%s", chart; exit } }
     keep { chart = chart $0 "\n" }' "$work/comment.md" >"$work/timeline.mmd"
printf '{"executablePath": "%s", "args": ["--no-sandbox", "--headless=new", "--disable-dev-shm-usage"]}\n' "$chromium" >"$work/puppeteer.json"
"$mmdc" --quiet --puppeteerConfigFile "$work/puppeteer.json" --input "$work/timeline.mmd" \
    --output docs/timeline.png --width 900 --backgroundColor white

# the HTML report
"$sg" check --format html sample_migrations >"$work/report.html" || true
shot "$work/report.html" docs/html-report.png 1100,1400

# the SVG graph, fitted to the page
"$sg" graph --format svg --object orders sample_migrations >"$work/graph.svg"
printf '<!DOCTYPE html><html><body style="margin:0;background:#fff"><img src="graph.svg" style="width:100%%"></body></html>' >"$work/graph.html"
shot "$work/graph.html" docs/graph.png 1400,1050

ls -l docs/timeline.png docs/html-report.png docs/graph.png
