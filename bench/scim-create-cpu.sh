#!/usr/bin/env bash
# bench/scim-create-cpu.sh [BIN]: Okta's SCIM create sequence (wrk -c8, 8 s) against one gatehouse
# on a throwaway PostgreSQL cluster (or STORE=sqlite:///path), printing users/s and the CPU time
# Gatehouse and PostgreSQL spent per create (read from /proc over 5 s of the run). For A/B runs of
# two builds in one sitting: CPU per create moves much less than users/s with the VM's steal time.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=$(realpath "${1:-.build/release}")
PGDIR=$(mktemp -d /tmp/gatehouse-cpu-bench-cluster.XXXXXX); WORK=$(mktemp -d /tmp/gatehouse-cpu-bench.XXXXXX)
gatehouse_pid=""
cleanup() {
  [ -n "$gatehouse_pid" ] && kill "$gatehouse_pid" 2>/dev/null && wait "$gatehouse_pid" 2>/dev/null
  scripts/postgres-cluster.sh stop "$PGDIR" >/dev/null 2>&1 || true
  rm -rf "$PGDIR" "$WORK"
}
trap cleanup EXIT
if [ -z "${STORE:-}" ]; then
  admin=$(scripts/postgres-cluster.sh start "$PGDIR" | tail -1)
  psql "$admin" -XAtqc "CREATE DATABASE cpu_bench" >/dev/null
  STORE="${admin/\/postgres\?//cpu_bench?}"
fi
TOKEN="bench-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"; HASH=$(printf %s "$TOKEN" | sha256sum | cut -d' ' -f1)
cat >"$WORK/gatehouse.yaml" <<YAML
listen: 127.0.0.1:18390
admin_listen: 127.0.0.1:18391
public_url: http://127.0.0.1:18390
upstream: http://127.0.0.1:9
store: $STORE
log:
  level: warning
  access_log: false
tenants:
  - id: acme
    email_domains: [acme.com]
    idp_metadata_file: $PWD/Tests/GatehouseSAMLTests/Fixtures/okta-metadata.xml
    scim_token_sha256: ["$HASH"]
YAML
"$BIN/gatehouse" serve --config "$WORK/gatehouse.yaml" >"$WORK/gatehouse.log" 2>&1 & gatehouse_pid=$!
for _ in $(seq 1 400); do curl -sf -o /dev/null http://127.0.0.1:18391/readyz && break; sleep 0.05; done
ticks() { # COMMAND: summed user+system clock ticks of every process of that name
  local sum=0 pid value
  for pid in $(pgrep -x "$1"); do value=$(awk '{print $14+$15}' "/proc/$pid/stat" 2>/dev/null || echo 0); sum=$((sum + value)); done
  echo "$sum"
}
export SCIM_TOKEN=$TOKEN SCIM_BASE=/scim/v2/acme
PREFIX=cpu wrk -t1 -c8 -d8s -s bench/scim-create.lua http://127.0.0.1:18390 >"$WORK/wrk.txt" &
wrk_pid=$!
sleep 2  # the window starts once the run is warm and ends before it does
g0=$(ticks gatehouse); p0=$(ticks postgres)
sleep 5
g1=$(ticks gatehouse); p1=$(ticks postgres)
wait "$wrk_pid"
rate=$(awk '/^SCIM_USERS_PER_SECOND/ {print $2}' "$WORK/wrk.txt")
hz=$(getconf CLK_TCK)
awk -v rate="$rate" -v g=$((g1 - g0)) -v p=$((p1 - p0)) -v hz="$hz" 'BEGIN {
  creates = rate * 5
  printf "users/s %d   gatehouse %.3f ms CPU per create   postgres %.3f ms CPU per create\n", rate, g * 1000 / hz / creates, p * 1000 / hz / creates
}'
