#!/usr/bin/env bash
# One command from a fresh clone to the running app: installs what is missing, builds the demo
# database if there is none, and starts the app on http://localhost:${PORT:-8501}.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/python -m greening init
exec .venv/bin/python -m streamlit run app.py --server.port "${PORT:-8501}" --server.headless true "$@"
