#!/usr/bin/env bash
# Lint and type checks, as CI runs them before the tests; fails on the first finding.
#   bash scripts/check.sh
set -euo pipefail
cd "$(dirname "$0")/.."
echo "[check] ruff check ." >&2
.venv/bin/ruff check .
echo "[check] mypy (configured in pyproject.toml)" >&2
.venv/bin/mypy
