#!/usr/bin/env bash
# Installs what the project needs on a fresh Debian machine (run as root) and is a no-op when it
# is already there: Python packages in .venv, and for the tests Debian's Chromium and axe-core
# (package-lock.json pins it; npm ci installs exactly that into node_modules/).
set -euo pipefail
cd "$(dirname "$0")/.."

python_bin="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
    "$python_bin" -m venv .venv
fi
stamp=.venv/.requirements.sha256
wanted=$(sha256sum requirements.txt | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$wanted" ]; then
    .venv/bin/pip install --quiet --disable-pip-version-check -r requirements.txt
    echo "$wanted" > "$stamp"
fi
# The app's own modules byte-compiled, as Python does on a first start unless PYTHONDONTWRITEBYTECODE
# is set (it is on this machine and in CI): without it every server compiled some 90 modules from
# source again, 0.24 s for the frame's imports against 0.12 s. Python checks each file's date, so
# an edited module is compiled afresh. Only a speed-up: a failure (a read-only checkout) is said,
# not fatal; compileall prints which file.
.venv/bin/python -m compileall -q app.py analytics ui app_pages ||
    echo "setup.sh: could not byte-compile every module (above); the app runs, each start slower" >&2

if [ "${1:-}" = "--with-browser" ] && [ ! -x /usr/bin/chromium ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq chromium >/dev/null
fi

if [ "${1:-}" = "--with-browser" ]; then
    if ! command -v npm >/dev/null; then
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq nodejs npm >/dev/null
    fi
    stamp=node_modules/.package-lock.sha256
    wanted=$(sha256sum package-lock.json | cut -d' ' -f1)
    if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$wanted" ]; then
        npm ci --no-audit --no-fund --loglevel=error
        echo "$wanted" > "$stamp"
    fi
fi
