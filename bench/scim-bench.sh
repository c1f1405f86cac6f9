#!/usr/bin/env bash
# SCIM benchmark on the embedded SQLite store (durable commits), driven by wrk on loopback:
#  1. Okta's create sequence (GET ?filter=userName eq, then POST) at a few connections: users/s.
#  2. The store grown to 100,000 users by POSTs, then `userName eq` lookups of random existing
#     users: p50/p99 latency (end to end through the front proxy), every lookup checked to find
#     its user.
# Targets (issue 5): >= 2,000 users/s; p99 < 2 ms with 100,000 users.
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=${BIN:-.build/release}
CREATE_DURATION=${CREATE_DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-8}
USERS=${USERS:-100000}
LOOKUP_DURATION=${LOOKUP_DURATION:-10s}
LOOKUP_CONNECTIONS=${LOOKUP_CONNECTIONS:-1}  # latency of one request at a time, as a lookup before each create
PORT=${PORT:-18320}
ADMIN_PORT=${ADMIN_PORT:-18321}
WORK=$(mktemp -d /tmp/gatehouse-scim-bench.XXXXXX)
PIDS=()
cleanup() { for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

TOKEN="bench-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
HASH=$(printf %s "$TOKEN" | sha256sum | cut -d' ' -f1)
cat >"$WORK/gatehouse.yaml" <<YAML
listen: 127.0.0.1:$PORT
admin_listen: 127.0.0.1:$ADMIN_PORT
public_url: http://127.0.0.1:$PORT
upstream: http://127.0.0.1:9
store: sqlite:$WORK/gatehouse.db
log:
  level: warning
  access_log: false
tenants:
  - id: acme
    email_domains: [acme.com]
    idp_metadata_file: $PWD/Tests/GatehouseSAMLTests/Fixtures/okta-metadata.xml
    scim_token_sha256: ["$HASH"]
YAML
"$BIN/gatehouse" serve --config "$WORK/gatehouse.yaml" >"$WORK/gatehouse.log" 2>&1 & PIDS+=($!)
for _ in $(seq 1 200); do curl -sf -o /dev/null "http://127.0.0.1:$ADMIN_PORT/readyz" && break; sleep 0.05; done

export SCIM_TOKEN="$TOKEN" SCIM_BASE=/scim/v2/acme
value() { grep "^$1 " "$2" | awk '{print $2}'; }

echo "== Okta create sequence (filter + POST), $CONNECTIONS connections, $CREATE_DURATION"
PREFIX=create wrk -t1 -c"$CONNECTIONS" -d"$CREATE_DURATION" -s bench/scim-create.lua "http://127.0.0.1:$PORT" >"$WORK/create.txt"
grep -E "Requests/sec|Latency " "$WORK/create.txt" || true
CREATED=$(value SCIM_CREATED "$WORK/create.txt"); RATE=$(value SCIM_USERS_PER_SECOND "$WORK/create.txt")
echo "created $CREATED users, $(value SCIM_FAILED "$WORK/create.txt") failures: $RATE users/s (target >= 2000)"

echo "== growing the store to $USERS users (POST only, in chunks until the server counts them all)"
TOTAL=$CREATED; CHUNK=0; COUNTS=""; SEED_RATE=$(( ${RATE%.*} * 2 )) # POSTs alone run about twice the sequence rate
while [ "$TOTAL" -lt "$USERS" ]; do
  SECONDS_NEEDED=$(( (USERS - TOTAL) / (SEED_RATE > 0 ? SEED_RATE : 100) + 1 ))
  [ "$SECONDS_NEEDED" -gt 60 ] && SECONDS_NEEDED=60
  PREFIX=seed$CHUNK POST_ONLY=1 wrk -t1 -c"$CONNECTIONS" -d"${SECONDS_NEEDED}s" -s bench/scim-create.lua "http://127.0.0.1:$PORT" >"$WORK/seed.txt"
  MADE=$(value SCIM_CREATED "$WORK/seed.txt"); SEED_RATE=$(value SCIM_USERS_PER_SECOND "$WORK/seed.txt")
  COUNTS="$COUNTS${COUNTS:+,}$MADE"; TOTAL=$((TOTAL + MADE)); CHUNK=$((CHUNK + 1))
  echo "  $TOTAL users ($SEED_RATE POSTs/s)"
done
SERVER_TOTAL=$(curl -s -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT/scim/v2/acme/Users?count=0" | sed -E 's/.*"totalResults":([0-9]+).*/\1/')
echo "the server counts $SERVER_TOTAL users"

echo "== userName eq among $SERVER_TOTAL users, $LOOKUP_CONNECTIONS connections, $LOOKUP_DURATION"
COUNTS=$COUNTS wrk -t1 -c"$LOOKUP_CONNECTIONS" -d"$LOOKUP_DURATION" -s bench/scim-lookup.lua "http://127.0.0.1:$PORT" >"$WORK/lookup.txt"
grep -E "Requests/sec" "$WORK/lookup.txt" || true
echo "lookups: $(value LOOKUP_REQUESTS "$WORK/lookup.txt"), not found/failed: $(value LOOKUP_FAILED "$WORK/lookup.txt")"
echo "p50 $(value LOOKUP_P50_MS "$WORK/lookup.txt") ms, p90 $(value LOOKUP_P90_MS "$WORK/lookup.txt") ms, p99 $(value LOOKUP_P99_MS "$WORK/lookup.txt") ms (target < 2), max $(value LOOKUP_MAX_MS "$WORK/lookup.txt") ms"
