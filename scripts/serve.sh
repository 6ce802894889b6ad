#!/usr/bin/env bash
# Serve the dashboard on the embedded data: http://localhost:8501
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if [ ! -f "${ASB_DB_PATH:-data/asb.duckdb}" ]; then
    .venv/bin/python -m analytics build
fi
exec .venv/bin/streamlit run app.py --server.port "${PORT:-8501}" --server.headless true "$@"
