#!/usr/bin/env bash
# Proxy benchmark: the demo upstream behind nginx (a plain proxy_pass, configured as a
# professional would) and behind Gatehouse, both driven by wrk on loopback in the same run.
# Prints requests/s and latency for each and the Gatehouse/nginx ratio.
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=${BIN:-.build/release}
DURATION=${DURATION:-8s}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-1}
UPSTREAM_PORT=${UPSTREAM_PORT:-18300}
NGINX_PORT=${NGINX_PORT:-18301}
GATEHOUSE_PORT=${GATEHOUSE_PORT:-18302}
ADMIN_PORT=${ADMIN_PORT:-18303}
WORK=$(mktemp -d /tmp/gatehouse-bench.XXXXXX)
PIDS=()
cleanup() { for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

wait_for() { # URL: poll until it answers (bounded), so no fixed sleeps
  for _ in $(seq 1 200); do curl -s -o /dev/null "$1" && return 0; sleep 0.05; done
  echo "timed out waiting for $1" >&2; return 1
}

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

cat >"$WORK/gatehouse.yaml" <<YAML
listen: 127.0.0.1:$GATEHOUSE_PORT
admin_listen: 127.0.0.1:$ADMIN_PORT
public_url: http://127.0.0.1:$GATEHOUSE_PORT
upstream: http://127.0.0.1:$UPSTREAM_PORT
store: sqlite:$WORK/gatehouse.db
public_paths: ["^/bench$"]
log:
  access_log: ${ACCESS_LOG:-true}
proxy:
  threads: ${PROXY_THREADS:-0}
YAML
"$BIN/gatehouse" serve --config "$WORK/gatehouse.yaml" >"$WORK/gatehouse.log" 2>&1 & PIDS+=($!)
wait_for "http://127.0.0.1:$GATEHOUSE_PORT/bench"

# A second Gatehouse where /bench needs a session, signed in through the dev IdP with curl, so the
# signed-in hot path (cookie, session cache, identity headers, JWT) is measured too.
SIGNED_PORT=${SIGNED_PORT:-18304}
SIGNED_ADMIN_PORT=${SIGNED_ADMIN_PORT:-18305}
IDP_PORT=${IDP_PORT:-18306}
"$BIN/gatehouse" dev-idp --listen "127.0.0.1:$IDP_PORT" --gatehouse "http://127.0.0.1:$SIGNED_PORT" --tenant dev >"$WORK/idp.log" 2>&1 & PIDS+=($!)
wait_for "http://127.0.0.1:$IDP_PORT/metadata"
cat >"$WORK/signed.yaml" <<YAML
listen: 127.0.0.1:$SIGNED_PORT
admin_listen: 127.0.0.1:$SIGNED_ADMIN_PORT
public_url: http://127.0.0.1:$SIGNED_PORT
upstream: http://127.0.0.1:$UPSTREAM_PORT
store: sqlite:$WORK/signed.db
log:
  access_log: ${ACCESS_LOG:-true}
proxy:
  threads: ${PROXY_THREADS:-0}
tenants:
  - id: dev
    email_domains: [dev.example]
    idp_metadata_url: http://127.0.0.1:$IDP_PORT/metadata
YAML
"$BIN/gatehouse" users add --config "$WORK/signed.yaml" --tenant dev --email bench@dev.example --role ANALYST >/dev/null
"$BIN/gatehouse" serve --config "$WORK/signed.yaml" >"$WORK/signed.log" 2>&1 & PIDS+=($!)
wait_for "http://127.0.0.1:$SIGNED_ADMIN_PORT/readyz"
field() { sed -n "s/.*name=\"$1\" value=\"\([^\"]*\)\".*/\1/p" | head -1; }
start=$(curl -s -D - -o /dev/null "http://127.0.0.1:$SIGNED_PORT/sso/saml/dev/login")
location=$(echo "$start" | awk -F': ' 'tolower($1)=="location" {print $2}' | tr -d '\r')
pending=$(echo "$start" | awk -F': ' 'tolower($1)=="set-cookie" {print $2}' | cut -d';' -f1)
page=$(curl -s "$location")
answer=$(curl -s --data-urlencode "email=bench@dev.example" --data-urlencode "in_response_to=$(echo "$page" | field in_response_to)" \
  --data-urlencode "relay_state=$(echo "$page" | field relay_state)" "http://127.0.0.1:$IDP_PORT/sso")
session=$(curl -s -D - -o /dev/null -H "Cookie: $pending" --data-urlencode "SAMLResponse=$(echo "$answer" | field SAMLResponse)" \
  --data-urlencode "RelayState=$(echo "$answer" | field RelayState)" "http://127.0.0.1:$SIGNED_PORT/sso/saml/dev/acs" \
  | awk -F': ' 'tolower($1)=="set-cookie" && $2 ~ /^gatehouse_session=/ {print $2}' | cut -d';' -f1)
[ -n "$session" ] || { echo "could not sign in for the signed-in run" >&2; exit 1; }
[ "$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: $session" "http://127.0.0.1:$SIGNED_PORT/bench")" = 200 ] || { echo "session refused" >&2; exit 1; }

ROUNDS=${ROUNDS:-3}

run_wrk() { # NAME URL ROUND [HEADER]: one measured run, its requests/s appended to NAME.rps
  if [ -n "${4:-}" ]; then
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -H "$4" "$2" >"$WORK/$1.$3.wrk"
  else
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$2" >"$WORK/$1.$3.wrk"
  fi
  local rps p50 p99
  rps=$(awk '/Requests\/sec/ {print $2}' "$WORK/$1.$3.wrk")
  p50=$(awk '$1=="50%" {print $2}' "$WORK/$1.$3.wrk")
  p99=$(awk '$1=="99%" {print $2}' "$WORK/$1.$3.wrk")
  printf '  round %d  %-10s %12s req/s   p50 %8s   p99 %8s\n' "$3" "$1" "$rps" "$p50" "$p99"
  echo "$rps" >>"$WORK/$1.rps"
}

median() { sort -n "$1" | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2}'; }

echo "proxy benchmark: wrk -t$THREADS -c$CONNECTIONS -d$DURATION x $ROUNDS rounds, GET /bench (public path, and signed in), $(nproc) cores"
# Warm-up (pools, caches), then alternate the two so drift on a shared machine hits both alike.
wrk -t"$THREADS" -c"$CONNECTIONS" -d2s "http://127.0.0.1:$NGINX_PORT/bench" >/dev/null
wrk -t"$THREADS" -c"$CONNECTIONS" -d2s "http://127.0.0.1:$GATEHOUSE_PORT/bench" >/dev/null
wrk -t"$THREADS" -c"$CONNECTIONS" -d2s -H "Cookie: $session" "http://127.0.0.1:$SIGNED_PORT/bench" >/dev/null
for round in $(seq 1 "$ROUNDS"); do
  run_wrk nginx "http://127.0.0.1:$NGINX_PORT/bench" "$round"
  run_wrk gatehouse "http://127.0.0.1:$GATEHOUSE_PORT/bench" "$round"
  run_wrk signed-in "http://127.0.0.1:$SIGNED_PORT/bench" "$round" "Cookie: $session"
done
nginx_rps=$(median "$WORK/nginx.rps")
gatehouse_rps=$(median "$WORK/gatehouse.rps")
printf 'median     %-10s %12s req/s\n' nginx "$nginx_rps"
printf 'median     %-10s %12s req/s\n' gatehouse "$gatehouse_rps"
signed_rps=$(median "$WORK/signed-in.rps")
printf 'median     %-10s %12s req/s\n' signed-in "$signed_rps"
ratio=$(awk -v g="$gatehouse_rps" -v n="$nginx_rps" 'BEGIN { printf "%.2f", g / n }')
echo "ratio gatehouse/nginx requests/s (medians): ${ratio}x (target >= 0.80x)"
signed_ratio=$(awk -v g="$signed_rps" -v n="$nginx_rps" 'BEGIN { printf "%.2f", g / n }')
echo "ratio signed-in gatehouse/nginx requests/s (medians): ${signed_ratio}x (session cookie, identity headers and JWT on every request)"
