#!/usr/bin/env bash
# One command from a fresh clone to a full test run: installs test needs (PostGIS, Chromium, CJK
# fonts), then runs every test on SpatiaLite and on a throwaway PostGIS started by the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --dev
# Two test processes by default (GREENING_TEST_WORKERS=1 for one): each module runs whole in one of
# them (its fixtures, servers and browser are its own), and each process starts its own PostGIS.
# Most of a browser or server test is waiting, so two processes on two cores take about half the time.
workers=${GREENING_TEST_WORKERS:-2}
parallel=()
if [[ $workers =~ ^[0-9]+$ ]] && (( workers > 1 )); then
  parallel=(-n "$workers" --dist loadfile)
fi
set +e
.venv/bin/python -m pytest "${parallel[@]}" "$@"
rc=$?
set -e
if [[ $rc == 5 ]]; then
  echo "no tests were collected: that is a failure" >&2
  exit 1
fi
exit $rc
