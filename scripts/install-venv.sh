#!/usr/bin/env bash
# Creates .venv (Debian's python3, with its system packages visible) and installs scripts/requirements*.txt from PyPI.
# Idempotent: does nothing when the installed requirements match the file. With `--scan`, also the scanner of
# `make security-scan` (scripts/requirements-scan.txt).
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.venv
stamp="$venv/.requirements"
wanted=$(cat scripts/requirements.txt scripts/requirements-nodeps.txt)
if [ "${1:-}" = "--scan" ]; then
    bash "$0"
    scan_stamp="$venv/.requirements-scan"
    if [ -f "$scan_stamp" ] && [ "$(cat scripts/requirements-scan.txt)" = "$(cat "$scan_stamp")" ]; then
        echo "install-venv: the scanner is up to date"
        exit 0
    fi
    echo "install-venv: installing the scanner (scripts/requirements-scan.txt)"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r scripts/requirements-scan.txt
    cp scripts/requirements-scan.txt "$scan_stamp"
    exit 0
fi
if [ -x "$venv/bin/python" ] && [ -f "$stamp" ] && [ "$wanted" = "$(cat "$stamp")" ]; then
    echo "install-venv: .venv is up to date"
    exit 0
fi
echo "install-venv: creating $venv with $(/usr/bin/python3 --version)"
/usr/bin/python3 -m venv --system-site-packages "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r scripts/requirements.txt
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps -r scripts/requirements-nodeps.txt
printf '%s' "$wanted" > "$stamp"
