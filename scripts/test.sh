#!/usr/bin/env bash
# One command from a fresh clone to a full test run: installs test needs (PostGIS, Chromium, CJK
# fonts), then runs every test on SpatiaLite and on a throwaway PostGIS started by the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --dev
set +e
.venv/bin/python -m pytest "$@"
rc=$?
set -e
if [[ $rc == 5 ]]; then
  echo "no tests were collected: that is a failure" >&2
  exit 1
fi
exit $rc
