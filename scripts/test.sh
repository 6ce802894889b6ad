#!/usr/bin/env bash
# The whole test suite, as CI runs it: the checks of scripts/check.sh (lint, format, types, import
# layers), then pytest with any arguments given. The tests run even when a check fails (so one run
# reports both); the script fails if either did.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --with-browser
checks=0
bash scripts/check.sh || checks=$?
.venv/bin/python -m pytest -q -p no:cacheprovider "$@"
if [ "$checks" -ne 0 ]; then
    echo "scripts/test.sh: the tests passed but scripts/check.sh failed (see its output above)" >&2
fi
exit "$checks"
