#!/usr/bin/env bash
# Screenshots of the docs site's check catalog and census pages, in headless Chromium.
# usage: bash tools/screenshots.sh   (needs the docs extra and chromium; writes docs/screenshots/)
set -euo pipefail
cd "$(dirname "$0")/.."
site="$(mktemp -d)"
profile="$(mktemp -d)"
trap 'rm -rf "$site" "$profile"' EXIT
python -m mkdocs build --strict --quiet --site-dir "$site"
chromium="$(command -v chromium || command -v chromium-browser)"
shoot() {  # PAGE OUT: a 1280-wide screenshot of a page of the built site
  timeout 120 "$chromium" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --hide-scrollbars --user-data-dir="$profile" --window-size=1280,1400 \
    --screenshot="$2" "file://$site/$1" > /dev/null 2>&1
  echo "tools/screenshots.sh: $2"
}
mkdir -p docs/screenshots
shoot checks/index.html docs/screenshots/checks.png
shoot census/grid.html docs/screenshots/census.png
