#!/usr/bin/env bash
# Refresh requirements.lock, the exact versions scripts/setup.sh installs, from the lower bounds in
# requirements.txt and requirements-dev.txt (one lock for both: the runtime set is a subset).
#   bash scripts/lock.sh              # add/remove what the requirements files changed, keep other pins
#   bash scripts/lock.sh --upgrade    # move every pin to the newest allowed version
set -euo pipefail
cd "$(dirname "$0")/.."
[[ -x .venv/bin/pip-compile ]] || .venv/bin/python -m pip install -q "pip-tools>=7.6"
CUSTOM_COMPILE_COMMAND="bash scripts/lock.sh" .venv/bin/pip-compile --quiet --strip-extras --no-emit-index-url --no-emit-find-links \
  --output-file=requirements.lock "$@" requirements-dev.txt
echo "requirements.lock refreshed; run bash scripts/setup.sh --dev to install it" >&2
