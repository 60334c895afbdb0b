#!/usr/bin/env bash
# Installs what the tracker needs on this machine; safe to run again (it skips what is there).
#   bash scripts/setup.sh          # to run the app
#   bash scripts/setup.sh --dev    # also what the tests need (PostGIS, Chromium, CJK fonts)
set -euo pipefail
cd "$(dirname "$0")/.."
DEV=0
[[ "${1:-}" == "--dev" ]] && DEV=1

say() { printf '\033[1;32m[setup]\033[0m %s\n' "$*"; }
die() { printf '\033[1;31m[setup] %s\033[0m\n' "$*" >&2; exit 1; }

# --- system packages -------------------------------------------------------------------------
need=()
have_spatialite() {
  local f
  for f in /usr/lib/*/mod_spatialite.so* /usr/lib/mod_spatialite.so* /usr/local/lib/mod_spatialite* \
           /opt/homebrew/lib/mod_spatialite*; do
    [[ -e $f ]] && return 0
  done
  return 1
}
have_spatialite || need+=(libsqlite3-mod-spatialite)
if [[ $DEV == 1 ]]; then
  ls /usr/share/postgresql/*/extension/postgis.control >/dev/null 2>&1 || need+=(postgresql postgresql-postgis)
  command -v chromium >/dev/null 2>&1 || need+=(chromium)
  command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
  fc-list 2>/dev/null | grep -i "Noto Sans CJK" >/dev/null || need+=(fonts-noto-cjk)
  # scripts/serve.sh and the load benchmark put nginx in front of the app replicas
  command -v nginx >/dev/null 2>&1 || [[ -x /usr/sbin/nginx ]] || need+=(nginx)
  # the tests check deploy/systemd with systemd-analyze verify
  command -v systemd-analyze >/dev/null 2>&1 || need+=(systemd)
fi
# A Chinese font for the PDF documents (notices, the monthly ranking): TrueType outlines, 5 MB.
[[ -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ]] || fc-list :lang=zh 2>/dev/null | grep -qi "wqy\|droid" \
  || need+=(fonts-wqy-microhei)
command -v npm >/dev/null 2>&1 || need+=(npm)
if ((${#need[@]})); then
  if command -v apt-get >/dev/null 2>&1; then
    SUDO=""
    [[ $(id -u) == 0 ]] || SUDO="sudo"
    say "installing system packages: ${need[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  else
    die "please install: ${need[*]} (macOS: brew install libspatialite postgis chromium node; conda: conda install -c conda-forge libspatialite postgis nodejs)"
  fi
fi
have_spatialite || die "SpatiaLite (mod_spatialite) is still missing: install libsqlite3-mod-spatialite"

# --- Python environment ----------------------------------------------------------------------
# Python 3.11 or newer (enum.StrEnum, streamlit-folium 0.27); PYTHON=python3.12 picks another one.
PY=${PYTHON:-python3}
too_old() {  # prints the version and fails when "$1" is not Python 3.11+
  "$1" -c 'import sys; print(".".join(map(str, sys.version_info[:3]))); sys.exit(sys.version_info < (3, 11))'
}
command -v "$PY" >/dev/null 2>&1 || die "$PY not found: install Python 3.11 or newer (or set PYTHON=/path/to/python3.11)"
found=$(too_old "$PY") || die "Python 3.11 or newer is needed; $PY is Python $found. Install python3.11 and run PYTHON=python3.11 bash scripts/setup.sh"
if [[ -x .venv/bin/python ]] && ! found=$(too_old .venv/bin/python); then
  die ".venv was made with Python $found; 3.11 or newer is needed: remove .venv and run this again"
fi
[[ -x .venv/bin/python ]] || { say "creating .venv"; "$PY" -m venv .venv; }
# requirements*.txt hold what the code needs (lower bounds); requirements.lock the exact versions
# installed (refresh: bash scripts/lock.sh). A package not in the lock yet is still installed.
req=requirements.txt
[[ $DEV == 1 ]] && req=requirements-dev.txt
stamp=".venv/.installed-$(cat requirements.txt "$req" requirements.lock | sha256sum | cut -c1-16)"
if [[ ! -f $stamp ]]; then
  say "installing Python packages from $req, versions from requirements.lock"
  .venv/bin/python -m pip install -q --upgrade pip >/dev/null
  .venv/bin/python -m pip install -q -r "$req" -c requirements.lock
  touch "$stamp"
fi

# --- map assets (Leaflet and plugins served by the app itself, no CDN) -------------------------
.venv/bin/python -m greening fetch-static --quiet
say "ready"
