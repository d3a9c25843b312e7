#!/usr/bin/env bash
# Creates .venv (Debian's python3, with its system packages visible) and installs scripts/requirements*.txt from PyPI.
# Idempotent: does nothing when the installed requirements match the file.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.venv
stamp="$venv/.requirements"
wanted=$(cat scripts/requirements.txt scripts/requirements-nodeps.txt)
if [ -x "$venv/bin/python" ] && [ -f "$stamp" ] && [ "$wanted" = "$(cat "$stamp")" ]; then
    echo "install-venv: .venv is up to date"
    exit 0
fi
echo "install-venv: creating $venv with $(/usr/bin/python3 --version)"
/usr/bin/python3 -m venv --system-site-packages "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r scripts/requirements.txt
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps -r scripts/requirements-nodeps.txt
printf '%s' "$wanted" > "$stamp"
