#!/usr/bin/env bash
# Copies the README's screenshots from the browser check's output (.build/screens) into docs/screens.
set -euo pipefail
cd "$(dirname "$0")/.."
source_dir="${SCREENS_DIR:-.build/screens}"
mkdir -p docs/screens
for name in acme-home-1280 acme-home-375 acme-service-1280 acme-dashboard-375 acme-invoice-1280 \
            acme-staff-dashboard-1280 globex-home-1280 globex-order-review-375 console-tenants-1280; do
    if [ ! -f "$source_dir/$name.png" ]; then
        echo "copy-screens: $source_dir/$name.png is missing; run make screens" >&2
        exit 1
    fi
    cp "$source_dir/$name.png" "docs/screens/$name.png"
done
echo "copy-screens: docs/screens updated"
