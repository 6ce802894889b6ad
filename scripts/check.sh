#!/usr/bin/env bash
# Lint, format, types and import layers (configured in pyproject.toml). Runs every check and exits
# non-zero if any failed; scripts/test.sh (and so CI) runs it before the tests.
set -uo pipefail
cd "$(dirname "$0")/.."

failed=()
run() {
    local name=$1
    shift
    echo "== $name: $*"
    if ! "$@"; then
        failed+=("$name")
    fi
}

run "ruff check" .venv/bin/ruff check .
run "ruff format" .venv/bin/ruff format --check .
run "mypy" .venv/bin/mypy
run "import layers" .venv/bin/lint-imports --no-cache

if [ ${#failed[@]} -gt 0 ]; then
    echo "scripts/check.sh: failed: ${failed[*]}" >&2
    exit 1
fi
echo "scripts/check.sh: all checks passed"
