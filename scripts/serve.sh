#!/usr/bin/env bash
# Serve the whole city from this machine: PostGIS, N app replicas and nginx in front of them.
#   bash scripts/serve.sh                  # 4 replicas behind http://localhost:8080
#   REPLICAS=2 PORT=9000 bash scripts/serve.sh
#   bash scripts/serve.sh stop             # stop what a previous run started
# PostGIS keeps its data in $GREENING_SERVE_DIR/postgis (default data/serve/); the first run loads
# the demo campaign (GREENING_DEMO_PLANTINGS records). With GREENING_DATABASE_URL set, that
# database is used instead and no PostgreSQL is started. Replica i listens on 127.0.0.1:BASE_PORT+i.
# Ctrl-C (or `stop`) ends the replicas, nginx and the PostgreSQL this script started.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
REPLICAS=${REPLICAS:-4}
PORT=${PORT:-8080}
BASE_PORT=${BASE_PORT:-8501}
PG_PORT=${PG_PORT:-5433}
SERVE_DIR=$(realpath -m "${GREENING_SERVE_DIR:-data/serve}")
RUN=$SERVE_DIR/run
PGDATA=$SERVE_DIR/postgis
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)

say() { printf '\033[1;32m[serve]\033[0m %s\n' "$*"; }
die() { printf '\033[1;31m[serve] %s\033[0m\n' "$*" >&2; exit 1; }
as_pg() { if [[ $(id -u) == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }

stop_all() {
  local f
  for f in "$RUN"/replica-*.pid "$RUN"/nginx.pid; do
    [[ -f $f ]] || continue
    kill "$(cat "$f")" 2>/dev/null || true
    rm -f "$f"
  done
  if [[ -f $RUN/postgres.started && -n $PGBIN ]]; then
    as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -m fast stop >/dev/null 2>&1 || true
    rm -f "$RUN/postgres.started"
  fi
}

if [[ ${1:-} == stop ]]; then stop_all; say "stopped"; exit 0; fi

NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[[ -x $NGINX ]] || die "nginx is missing: apt-get install nginx (bash scripts/setup.sh --dev installs it)"
[[ -x .venv/bin/python ]] || bash scripts/setup.sh
mkdir -p "$RUN" "$SERVE_DIR/data"
trap 'stop_all; exit 0' INT TERM

# --- PostGIS ----------------------------------------------------------------------------------
if [[ -z ${GREENING_DATABASE_URL:-} ]]; then
  [[ -n $PGBIN && -x $PGBIN/initdb ]] || die "PostgreSQL is missing: apt-get install postgresql postgresql-postgis"
  if [[ ! -f $PGDATA/PG_VERSION ]]; then
    say "creating the PostgreSQL cluster in $PGDATA"
    mkdir -p "$PGDATA"
    [[ $(id -u) == 0 ]] && chown postgres:postgres "$PGDATA"
    as_pg "$PGBIN/initdb" -D "$PGDATA" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
  fi
  if ! as_pg "$PGBIN/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1; then
    say "starting PostgreSQL on 127.0.0.1:$PG_PORT"
    as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -l "$PGDATA/server.log" -w -t 60 start \
      -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -c unix_socket_directories=$PGDATA -c max_connections=300" >/dev/null
    touch "$RUN/postgres.started"
  fi
  psql=("$PGBIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -v ON_ERROR_STOP=1 -qtA)
  if [[ -z $(as_pg "${psql[@]}" -c "SELECT 1 FROM pg_database WHERE datname = 'greening'") ]]; then
    as_pg "${psql[@]}" -c "CREATE DATABASE greening" >/dev/null
  fi
  as_pg "${psql[@]}" -d greening -c "CREATE EXTENSION IF NOT EXISTS postgis" >/dev/null
  export GREENING_DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:$PG_PORT/greening"
fi
export GREENING_DATA_DIR=${GREENING_DATA_DIR:-$SERVE_DIR/data}
say "database schema and (first time) the demo campaign"
.venv/bin/python -m greening init

# --- replicas ---------------------------------------------------------------------------------
[[ -f $RUN/cookie_secret ]] || .venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(32))' > "$RUN/cookie_secret"
# The same signing secret for every replica (Streamlit reads it from this variable).
export STREAMLIT_SERVER_COOKIE_SECRET=${STREAMLIT_SERVER_COOKIE_SECRET:-$(cat "$RUN/cookie_secret")}
upstreams=""
for ((i = 0; i < REPLICAS; i++)); do
  p=$((BASE_PORT + i))
  # ui.serve: `streamlit run` with the pages' modules imported before the port opens
  .venv/bin/python -m ui.serve run app.py --server.port "$p" --server.address 127.0.0.1 \
    --server.headless true --server.fileWatcherType none --browser.gatherUsageStats false \
    > "$RUN/replica-$p.log" 2>&1 &
  echo $! > "$RUN/replica-$p.pid"
  upstreams+="    server 127.0.0.1:$p max_fails=3 fail_timeout=10s;\n"
done

# --- nginx --------------------------------------------------------------------------------------
# The site file of deploy/nginx with this run's replicas and port, inside a main configuration
# of its own (no system nginx needed; runs as this user's process).
site=$(awk -v ups="$upstreams" -v port="$PORT" '
  /# replicas:/ {print; printf "%s", ups; skip=1; next}
  /# end replicas/ {skip=0}
  skip {next}
  /listen 80;  # listen/ {print "    listen 127.0.0.1:" port ";"; next}
  {print}' deploy/nginx/greening.conf)
mkdir -p "$RUN/nginx-temp"
cat > "$RUN/nginx.conf" <<EOF
worker_processes 1;
pid $RUN/nginx.pid;
error_log $RUN/nginx-error.log warn;
events { worker_connections 4096; }
http {
  access_log $RUN/nginx-access.log;
  client_body_temp_path $RUN/nginx-temp/body;
  proxy_temp_path $RUN/nginx-temp/proxy;
  fastcgi_temp_path $RUN/nginx-temp/fastcgi;
  uwsgi_temp_path $RUN/nginx-temp/uwsgi;
  scgi_temp_path $RUN/nginx-temp/scgi;
  types { text/html html; application/javascript js; text/css css; image/png png; }
$site
}
EOF
"$NGINX" -t -q -c "$RUN/nginx.conf" -p "$RUN" -g "user $(id -un);" || die "nginx refused the configuration (see above)"
"$NGINX" -c "$RUN/nginx.conf" -p "$RUN" -g "daemon off; user $(id -un);" &
nginx_pid=$!

# --- wait until every replica answers ------------------------------------------------------
for ((i = 0; i < REPLICAS; i++)); do
  p=$((BASE_PORT + i))
  for _ in $(seq 1 120); do
    curl -fsS -o /dev/null "http://127.0.0.1:$p/_stcore/health" 2>/dev/null && break
    sleep 1
  done
done
say "serving http://localhost:$PORT ($REPLICAS replicas on ports $BASE_PORT-$((BASE_PORT + REPLICAS - 1)); logs in $RUN)"
wait "$nginx_pid"
