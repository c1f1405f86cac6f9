#!/usr/bin/env bash
# PostgreSQL next to SQLite (issue 12), everything on loopback on this machine, PostgreSQL in a
# throwaway cluster of its own (scripts/postgres-cluster.sh, default settings: fsync on, every
# commit durable):
#  1. SCIM: Okta's create sequence (GET ?filter=userName eq, then POST) with wrk -c8: users/s; the
#     store grown to 100,000 users by POSTs; `userName eq` lookups of random existing users, one at
#     a time, each checked to find its user: p50/p90/p99 (bench/scim-create.lua, scim-lookup.lua).
#  2. The signed-in proxy: nginx, Gatehouse on SQLite and Gatehouse on PostgreSQL in front of the
#     same demo upstream, each Gatehouse signed in through its own `gatehouse dev-idp` with curl,
#     wrk with the session cookie (cookie lookup, identity headers, JWT on every request); rounds
#     alternate so drift on a shared machine hits all three alike; medians and ratios to nginx.
#  3. The revocation delay across two replicas on one PostgreSQL database, over $TRIALS trials:
#     sign in on A, B caches the session, SCIM PATCH active:false on A, time until B refuses
#     (bench/revocation-delay.py): median and max.
# Targets (issue 12): SCIM creates >= 2,000 users/s on PostgreSQL too; lookup p99 < 2 ms at 100,000
# users; revocation max < 1 s. Numbers come from a release build (BIN, default .build/release).
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=${BIN:-.build/release}
BIN=$(realpath "$BIN")
CLUSTER=${POSTGRES_CLUSTER:-scripts/postgres-cluster.sh}
PYTHON=${PYTHON:-python3}
CREATE_DURATION=${CREATE_DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-8}
USERS=${USERS:-100000}
LOOKUP_DURATION=${LOOKUP_DURATION:-10s}
LOOKUP_CONNECTIONS=${LOOKUP_CONNECTIONS:-1}
PROXY_DURATION=${PROXY_DURATION:-8s}
PROXY_CONNECTIONS=${PROXY_CONNECTIONS:-64}
ROUNDS=${ROUNDS:-3}
TRIALS=${TRIALS:-50}
BACKENDS=${BACKENDS:-"sqlite postgres"}
BASE_PORT=${BASE_PORT:-18340} # 18340-18351
WORK=$(mktemp -d /tmp/gatehouse-pg-bench.XXXXXX)
# Its own directory under /tmp: the postgres user must reach it (WORK is root's, 0700).
PGDIR=$(mktemp -d /tmp/gatehouse-pg-bench-cluster.XXXXXX)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  "$CLUSTER" stop "$PGDIR" >/dev/null 2>&1 || true
  rm -rf "$WORK" "$PGDIR"
}
trap cleanup EXIT

[ -x "$BIN/gatehouse" ] && [ -x "$BIN/demo-upstream" ] || { echo "no gatehouse/demo-upstream in $BIN (make build-release)" >&2; exit 1; }
[ -x "$CLUSTER" ] || { echo "$CLUSTER is missing (POSTGRES_CLUSTER=path/to/postgres-cluster.sh)" >&2; exit 1; }

wait_for() { # URL: poll until it answers (bounded), so no fixed sleeps
  for _ in $(seq 1 400); do curl -sf -o /dev/null "$1" && return 0; sleep 0.05; done
  echo "timed out waiting for $1" >&2; return 1
}
value() { grep "^$1 " "$2" | awk '{print $2}'; }
median() { sort -n "$1" | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2}'; }

ADMIN_URL=$("$CLUSTER" start "$PGDIR" | tail -1)
echo "PostgreSQL $(psql "$ADMIN_URL" -XAtqc 'SHOW server_version') at ${ADMIN_URL%%\?*} (fsync $(psql "$ADMIN_URL" -XAtqc 'SHOW fsync'),"\
  "synchronous_commit $(psql "$ADMIN_URL" -XAtqc 'SHOW synchronous_commit')), $(nproc) cores shared with wrk and Gatehouse"
store_url() { # BACKEND NAME: the store setting for a fresh store called NAME
  if [ "$1" = postgres ]; then
    psql "$ADMIN_URL" -XAtqc "CREATE DATABASE $2" >/dev/null
    echo "${ADMIN_URL/\/postgres\?//$2?}"
  else
    echo "sqlite:$WORK/$2.db"
  fi
}

TOKEN="bench-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
HASH=$(printf %s "$TOKEN" | sha256sum | cut -d' ' -f1)
export SCIM_TOKEN="$TOKEN" SCIM_BASE=/scim/v2/acme

# ---------------------------------------------------------------- 1. SCIM

scim_run() { # BACKEND PORT ADMIN_PORT: figures in $WORK/BACKEND.scim
  local backend=$1 port=$2 admin_port=$3 store pid
  store=$(store_url "$backend" scim_bench)
  cat >"$WORK/scim-$backend.yaml" <<YAML
listen: 127.0.0.1:$port
admin_listen: 127.0.0.1:$admin_port
public_url: http://127.0.0.1:$port
upstream: http://127.0.0.1:9
store: $store
log:
  level: warning
  access_log: false
tenants:
  - id: acme
    email_domains: [acme.com]
    idp_metadata_file: $PWD/Tests/GatehouseSAMLTests/Fixtures/okta-metadata.xml
    scim_token_sha256: ["$HASH"]
YAML
  "$BIN/gatehouse" serve --config "$WORK/scim-$backend.yaml" >"$WORK/scim-$backend.log" 2>&1 & pid=$!; PIDS+=($pid)
  wait_for "http://127.0.0.1:$admin_port/readyz"
  echo "== $backend: Okta create sequence (filter + POST), $CONNECTIONS connections, $CREATE_DURATION"
  PREFIX=create wrk -t1 -c"$CONNECTIONS" -d"$CREATE_DURATION" -s bench/scim-create.lua "http://127.0.0.1:$port" >"$WORK/create-$backend.txt"
  grep -E "Requests/sec|Latency " "$WORK/create-$backend.txt" || true
  local created rate failed total chunk counts seed_rate seconds made server_total
  created=$(value SCIM_CREATED "$WORK/create-$backend.txt"); rate=$(value SCIM_USERS_PER_SECOND "$WORK/create-$backend.txt")
  failed=$(value SCIM_FAILED "$WORK/create-$backend.txt")
  echo "created $created users, $failed failures: $rate users/s"
  echo "== $backend: growing the store to $USERS users (POST only, in chunks)"
  total=$created; chunk=0; counts=""; seed_rate=$(( ${rate%.*} * 2 ))
  while [ "$total" -lt "$USERS" ]; do
    seconds=$(( (USERS - total) / (seed_rate > 0 ? seed_rate : 100) + 1 ))
    [ "$seconds" -gt 60 ] && seconds=60
    PREFIX=seed$chunk POST_ONLY=1 wrk -t1 -c"$CONNECTIONS" -d"${seconds}s" -s bench/scim-create.lua "http://127.0.0.1:$port" >"$WORK/seed.txt"
    made=$(value SCIM_CREATED "$WORK/seed.txt"); seed_rate=$(value SCIM_USERS_PER_SECOND "$WORK/seed.txt")
    seed_rate=${seed_rate%.*}
    [ "$made" -gt 0 ] || { echo "no user created while seeding $backend; its log:" >&2; tail -20 "$WORK/scim-$backend.log" >&2; exit 1; }
    counts="$counts${counts:+,}$made"; total=$((total + made)); chunk=$((chunk + 1))
    echo "  $total users ($seed_rate POSTs/s)"
  done
  server_total=$(curl -s -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$port/scim/v2/acme/Users?count=0" | sed -E 's/.*"totalResults":([0-9]+).*/\1/')
  # What autovacuum does after a bulk load, done now: the figure is the steady state of a store of
  # that size, not the minute after 100,000 inserts (with autovacuum busy on the same two cores).
  if [ "$backend" = postgres ]; then psql "$store" -XAtqc "VACUUM (ANALYZE) users" >/dev/null; fi
  echo "== $backend: userName eq among $server_total users, $LOOKUP_CONNECTIONS connection(s), $LOOKUP_DURATION"
  COUNTS=$counts wrk -t1 -c"$LOOKUP_CONNECTIONS" -d"$LOOKUP_DURATION" -s bench/scim-lookup.lua "http://127.0.0.1:$port" >"$WORK/lookup-$backend.txt"
  grep -E "Requests/sec" "$WORK/lookup-$backend.txt" || true
  local lookups lookup_failed p50 p90 p99 max
  lookups=$(value LOOKUP_REQUESTS "$WORK/lookup-$backend.txt"); lookup_failed=$(value LOOKUP_FAILED "$WORK/lookup-$backend.txt")
  p50=$(value LOOKUP_P50_MS "$WORK/lookup-$backend.txt"); p90=$(value LOOKUP_P90_MS "$WORK/lookup-$backend.txt")
  p99=$(value LOOKUP_P99_MS "$WORK/lookup-$backend.txt"); max=$(value LOOKUP_MAX_MS "$WORK/lookup-$backend.txt")
  echo "lookups: $lookups, not found/failed: $lookup_failed; p50 $p50 ms, p90 $p90 ms, p99 $p99 ms, max $max ms"
  printf 'CREATE_RATE %s\nCREATE_FAILED %s\nUSERS %s\nLOOKUP_P50 %s\nLOOKUP_P99 %s\nLOOKUP_FAILED %s\n' \
    "$rate" "$failed" "$server_total" "$p50" "$p99" "$lookup_failed" >"$WORK/$backend.scim"
  kill "$pid"; wait "$pid" 2>/dev/null || true
}

offset=0
for backend in $BACKENDS; do
  scim_run "$backend" $((BASE_PORT + offset)) $((BASE_PORT + offset + 1))
  offset=$((offset + 2))
done

# ---------------------------------------------------------------- 2. signed-in proxy

UPSTREAM_PORT=$((BASE_PORT + 4))
NGINX_PORT=$((BASE_PORT + 5))
"$BIN/demo-upstream" "$UPSTREAM_PORT" >"$WORK/upstream.log" 2>&1 & PIDS+=($!)
wait_for "http://127.0.0.1:$UPSTREAM_PORT/bench"
mkdir -p "$WORK/nginx"
cat >"$WORK/nginx/nginx.conf" <<NGINX
worker_processes 1;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections 4096; }
http {
  access_log $WORK/nginx/access.log;
  client_body_temp_path $WORK/nginx/body;
  proxy_temp_path $WORK/nginx/proxy;
  fastcgi_temp_path $WORK/nginx/fastcgi;
  uwsgi_temp_path $WORK/nginx/uwsgi;
  scgi_temp_path $WORK/nginx/scgi;
  upstream app { server 127.0.0.1:$UPSTREAM_PORT; keepalive 64; }
  server {
    listen 127.0.0.1:$NGINX_PORT;
    location / {
      proxy_pass http://app;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host \$host;
      proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto \$scheme;
    }
  }
}
NGINX
nginx -c "$WORK/nginx/nginx.conf" -g "daemon off;" & PIDS+=($!)
wait_for "http://127.0.0.1:$NGINX_PORT/bench"

field() { sed -n "s/.*name=\"$1\" value=\"\([^\"]*\)\".*/\1/p" | head -1; }
sign_in() { # PORT IDP_PORT EMAIL: prints the session cookie (name=value)
  local start location pending page answer
  start=$(curl -s -D - -o /dev/null "http://127.0.0.1:$1/sso/saml/dev/login")
  location=$(echo "$start" | awk -F': ' 'tolower($1)=="location" {print $2}' | tr -d '\r')
  pending=$(echo "$start" | awk -F': ' 'tolower($1)=="set-cookie" {print $2}' | cut -d';' -f1)
  page=$(curl -s "$location")
  answer=$(curl -s --data-urlencode "email=$3" --data-urlencode "in_response_to=$(echo "$page" | field in_response_to)" \
    --data-urlencode "relay_state=$(echo "$page" | field relay_state)" "http://127.0.0.1:$2/sso")
  curl -s -D - -o /dev/null -H "Cookie: $pending" --data-urlencode "SAMLResponse=$(echo "$answer" | field SAMLResponse)" \
    --data-urlencode "RelayState=$(echo "$answer" | field RelayState)" "http://127.0.0.1:$1/sso/saml/dev/acs" \
    | awk -F': ' 'tolower($1)=="set-cookie" && $2 ~ /^gatehouse_session=/ {print $2}' | cut -d';' -f1
}

declare -A SESSION PROXY_PORT
offset=6
for backend in $BACKENDS; do
  port=$((BASE_PORT + offset)); admin_port=$((port + 1)); idp_port=$((port + 2)); offset=$((offset + 3))
  PROXY_PORT[$backend]=$port
  "$BIN/gatehouse" dev-idp --listen "127.0.0.1:$idp_port" --gatehouse "http://127.0.0.1:$port" --tenant dev >"$WORK/idp-$backend.log" 2>&1 & PIDS+=($!)
  wait_for "http://127.0.0.1:$idp_port/metadata"
  store=$(store_url "$backend" proxy_bench)
  cat >"$WORK/proxy-$backend.yaml" <<YAML
listen: 127.0.0.1:$port
admin_listen: 127.0.0.1:$admin_port
public_url: http://127.0.0.1:$port
upstream: http://127.0.0.1:$UPSTREAM_PORT
store: $store
log:
  access_log: ${ACCESS_LOG:-true}
tenants:
  - id: dev
    email_domains: [dev.example]
    idp_metadata_url: http://127.0.0.1:$idp_port/metadata
YAML
  "$BIN/gatehouse" serve --config "$WORK/proxy-$backend.yaml" >"$WORK/proxy-$backend.log" 2>&1 & PIDS+=($!)
  wait_for "http://127.0.0.1:$admin_port/readyz"
  # After the start (its migrations), through the same store, as an operator would seed it.
  "$BIN/gatehouse" users add --config "$WORK/proxy-$backend.yaml" --tenant dev --email bench@dev.example --role ANALYST >/dev/null
  SESSION[$backend]=$(sign_in "$port" "$idp_port" bench@dev.example)
  [ -n "${SESSION[$backend]}" ] || { echo "could not sign in on $backend; its log:" >&2; tail -20 "$WORK/proxy-$backend.log" >&2; exit 1; }
  status=$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: ${SESSION[$backend]}" "http://127.0.0.1:$port/bench")
  [ "$status" = 200 ] || { echo "$backend: the session got $status on /bench" >&2; exit 1; }
done

run_wrk() { # NAME URL ROUND [HEADER]: one measured run, its requests/s appended to NAME.rps
  if [ -n "${4:-}" ]; then
    wrk -t1 -c"$PROXY_CONNECTIONS" -d"$PROXY_DURATION" --latency -H "$4" "$2" >"$WORK/$1.$3.wrk"
  else
    wrk -t1 -c"$PROXY_CONNECTIONS" -d"$PROXY_DURATION" --latency "$2" >"$WORK/$1.$3.wrk"
  fi
  local rps p50 p99 non2xx
  rps=$(awk '/Requests\/sec/ {print $2}' "$WORK/$1.$3.wrk")
  p50=$(awk '$1=="50%" {print $2}' "$WORK/$1.$3.wrk")
  p99=$(awk '$1=="99%" {print $2}' "$WORK/$1.$3.wrk")
  non2xx=$(awk '/Non-2xx/ {print $NF}' "$WORK/$1.$3.wrk")
  printf '  round %d  %-10s %12s req/s   p50 %8s   p99 %8s%s\n' "$3" "$1" "$rps" "$p50" "$p99" "${non2xx:+   NON-2XX $non2xx}"
  echo "$rps" >>"$WORK/$1.rps"
}

echo "== signed-in proxy: wrk -t1 -c$PROXY_CONNECTIONS -d$PROXY_DURATION x $ROUNDS rounds, GET /bench with the session cookie"
wrk -t1 -c"$PROXY_CONNECTIONS" -d2s "http://127.0.0.1:$NGINX_PORT/bench" >/dev/null
for backend in $BACKENDS; do
  wrk -t1 -c"$PROXY_CONNECTIONS" -d2s -H "Cookie: ${SESSION[$backend]}" "http://127.0.0.1:${PROXY_PORT[$backend]}/bench" >/dev/null
done
for round in $(seq 1 "$ROUNDS"); do
  run_wrk nginx "http://127.0.0.1:$NGINX_PORT/bench" "$round"
  for backend in $BACKENDS; do
    run_wrk "$backend" "http://127.0.0.1:${PROXY_PORT[$backend]}/bench" "$round" "Cookie: ${SESSION[$backend]}"
  done
done
NGINX_RPS=$(median "$WORK/nginx.rps")

# ---------------------------------------------------------------- 3. revocation across replicas

# The proxy runs are done: stop them, so the replicas below have the machine (and no port of theirs
# can meet one of these).
for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
wait 2>/dev/null || true
PIDS=()

REVOCATION=""
if [[ " $BACKENDS " == *" postgres "* ]]; then
  echo "== revocation delay across two replicas on PostgreSQL, $TRIALS trials"
  GATEHOUSE_BIN_DIR=$BIN "$PYTHON" bench/revocation-delay.py --admin-url "$ADMIN_URL" --trials "$TRIALS" >"$WORK/revocation.txt"
  grep -v '^REVOCATION_' "$WORK/revocation.txt" || true
  REVOCATION="median $(value REVOCATION_MEDIAN_MS "$WORK/revocation.txt") ms, max $(value REVOCATION_MAX_MS "$WORK/revocation.txt") ms over $(value REVOCATION_TRIALS "$WORK/revocation.txt") trials"
  gave_up=$(value REVOCATION_GAVE_UP "$WORK/revocation.txt")
  [ "$gave_up" = 0 ] || REVOCATION="$REVOCATION ($gave_up trials still allowed after 10 s)"
fi

# ---------------------------------------------------------------- summary

echo
echo "== PostgreSQL next to SQLite (binaries: $BIN)"
printf '%-44s' ""; for backend in $BACKENDS; do printf '%14s' "$backend"; done; echo
row() { # LABEL FORMAT-OF-ONE-VALUE COMMAND-PRINTING-IT-PER-BACKEND
  printf '%-44s' "$1"
  for backend in $BACKENDS; do printf '%14s' "$($2 "$backend")"; done
  echo
}
scim_value() { value "$2" "$WORK/$1.scim"; }
create_rate() { scim_value "$1" CREATE_RATE; }
lookup_users() { scim_value "$1" USERS; }
lookup_p50() { scim_value "$1" LOOKUP_P50; }
lookup_p99() { scim_value "$1" LOOKUP_P99; }
proxy_rps() { median "$WORK/$1.rps"; }
proxy_ratio() { awk -v g="$(median "$WORK/$1.rps")" -v n="$NGINX_RPS" 'BEGIN { printf "%.2fx", g / n }'; }
row "SCIM create sequence, users/s (>= 2000)" create_rate
row "users in the store for the lookup" lookup_users
row "userName eq p50, ms" lookup_p50
row "userName eq p99, ms (< 2)" lookup_p99
row "signed-in proxy, req/s (median)" proxy_rps
row "signed-in proxy / nginx ($NGINX_RPS req/s)" proxy_ratio
for backend in $BACKENDS; do
  failed=$(scim_value "$backend" CREATE_FAILED); lookup_failed=$(scim_value "$backend" LOOKUP_FAILED)
  [ "$failed" = 0 ] && [ "$lookup_failed" = 0 ] || echo "warning: $backend had $failed failed creates and $lookup_failed failed lookups"
done
[ -z "$REVOCATION" ] || echo "revocation delay across two replicas (PostgreSQL, PATCH active:false on A until B refuses): $REVOCATION (target max < 1000 ms)"
