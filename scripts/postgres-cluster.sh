#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests (`make test` and the Python store tests):
#
#   scripts/postgres-cluster.sh start DIR    initdb into DIR/data (first time), start it on a free
#                                            port on 127.0.0.1 only (its Unix socket in DIR), wait
#                                            until it accepts connections, print the admin URL
#   scripts/postgres-cluster.sh stop DIR     stop it (fast, then immediate); a no-op when nothing
#                                            runs there, also after a start that half-failed
#   scripts/postgres-cluster.sh url DIR      print the admin URL of DIR's cluster
#   scripts/postgres-cluster.sh createdb DIR [NAME]
#                                            make a fresh database (a random name by default) and
#                                            print its URL
#
# The admin URL is postgres://postgres@127.0.0.1:PORT/postgres?sslmode=disable (superuser
# `postgres`, trust authentication, accepted on 127.0.0.1 and the socket in DIR only); it is also
# kept in DIR/url. A second `start` of a stopped DIR starts the same cluster on the same port.
# Run as root, initdb and the server run as the `postgres` user (DIR is given to that user); run as
# anyone else, as that user. The binaries come from `pg_config --bindir` or
# /usr/lib/postgresql/*/bin (the newest). Removing DIR is the caller's business (after `stop`).
set -euo pipefail

usage() {
  echo "usage: $0 start|stop|url DIR | createdb DIR [NAME]" >&2
  exit 2
}
[ $# -ge 2 ] || usage
command=$1
dir=$2
[ -n "$dir" ] || usage
dir=$(realpath -m -- "$dir")
data=$dir/data

bindir() {
  local candidate
  candidate=$(pg_config --bindir 2>/dev/null || true)
  if [ -n "$candidate" ] && [ -x "$candidate/initdb" ] && [ -x "$candidate/pg_ctl" ]; then
    echo "$candidate"
    return
  fi
  for candidate in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [ -x "$candidate/initdb" ] && [ -x "$candidate/pg_ctl" ]; then
      echo "$candidate"
      return
    fi
  done
  echo "postgres-cluster: no PostgreSQL server binaries (pg_config --bindir, /usr/lib/postgresql/*/bin); apt-get install postgresql" >&2
  exit 1
}

# Runs a server binary as the cluster's owner: `postgres` when we are root, else ourselves.
as_owner() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

free_port() {
  python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

admin_url() { echo "postgres://postgres@127.0.0.1:$1/postgres?sslmode=disable"; }

# The postmaster of DIR is alive: its pid file names a process that is neither gone nor a zombie
# (pg_ctl status counts a zombie as running, and where PID 1 does not reap, a killed postmaster
# stays one).
running() {
  local pid state
  [ -f "$data/postmaster.pid" ] || return 1
  pid=$(head -n 1 "$data/postmaster.pid" 2>/dev/null) || return 1
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  state=$(sed -E 's/^[0-9]+ \(.*\) (.).*/\1/' "/proc/$pid/stat" 2>/dev/null) || return 1
  [ -n "$state" ] && [ "$state" != Z ] && [ "$state" != X ]
}

start() {
  mkdir -p "$dir"
  if [ "$(id -u)" = 0 ]; then
    chown postgres: "$dir"
    chmod 0700 "$dir"
    if ! runuser -u postgres -- test -w "$dir"; then
      echo "postgres-cluster: the postgres user cannot reach $dir (a parent directory is closed to it); use a directory under /tmp" >&2
      exit 1
    fi
  fi
  if [ ! -f "$data/PG_VERSION" ]; then
    rm -rf "$data"
    as_owner "$BIN/initdb" -D "$data" -U postgres -A trust --locale=C.UTF-8 -E UTF8 >"$dir/initdb.log" 2>&1 || {
      echo "postgres-cluster: initdb failed:" >&2
      cat "$dir/initdb.log" >&2
      exit 1
    }
    # Trust only on the socket (in DIR, 0700) and 127.0.0.1: no other address is accepted.
    cat >"$data/pg_hba.conf" <<'HBA'
# TYPE  DATABASE  USER  ADDRESS       METHOD
local   all       all                 trust
host    all       all   127.0.0.1/32  trust
HBA
    if [ "$(id -u)" = 0 ]; then chown postgres: "$data/pg_hba.conf"; fi
  fi
  if running; then
    admin_url "$(cat "$dir/port")"
    return
  fi
  # A server killed without a clean stop leaves lock files that name a dead (or zombie) process,
  # which the next postmaster would take for a live one.
  rm -f "$data/postmaster.pid" "$dir"/.s.PGSQL.*.lock
  local port attempt
  for attempt in 1 2 3 4 5; do
    if [ -f "$dir/port" ] && [ "$attempt" = 1 ]; then
      port=$(cat "$dir/port") # a restart keeps the port, so URLs handed out stay valid
    else
      port=$(free_port)
    fi
    echo "$port" >"$dir/port"
    admin_url "$port" >"$dir/url"
    # Settings in postgresql.auto.conf (the last word), rewritten at each start.
    cat >"$data/postgresql.auto.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
max_connections = 1000
log_destination = 'stderr'
logging_collector = off
CONF
    if [ "$(id -u)" = 0 ]; then chown postgres: "$data/postgresql.auto.conf" "$dir/port" "$dir/url"; fi
    if as_owner "$BIN/pg_ctl" start -D "$data" -w -t 60 -l "$dir/postgres.log" >/dev/null 2>&1; then
      admin_url "$port"
      return
    fi
    if running; then
      # pg_ctl gave up waiting but the server is there: stop it rather than leave it half started.
      as_owner "$BIN/pg_ctl" stop -D "$data" -m immediate -w -t 30 >/dev/null 2>&1 || true
    fi
    if ! grep -q "could not bind\|Address already in use" "$dir/postgres.log" 2>/dev/null; then
      break # not a port taken in the meantime: trying another port would not help
    fi
    rm -f "$dir/port"
    : >"$dir/postgres.log"
  done
  echo "postgres-cluster: the server did not start; its log:" >&2
  tail -n 30 "$dir/postgres.log" >&2 || true
  exit 1
}

stop() {
  running || return 0
  as_owner "$BIN/pg_ctl" stop -D "$data" -m fast -w -t 30 >/dev/null 2>&1 ||
    as_owner "$BIN/pg_ctl" stop -D "$data" -m immediate -w -t 30 >/dev/null 2>&1 || true
  if running; then
    echo "postgres-cluster: the server in $data would not stop" >&2
    exit 1
  fi
}

url() {
  [ -f "$dir/url" ] || {
    echo "postgres-cluster: no cluster in $dir (run start first)" >&2
    exit 1
  }
  cat "$dir/url"
}

createdb() {
  local name=${1:-gatehouse_$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')}
  [[ $name =~ ^[a-z_][a-z0-9_]*$ ]] || {
    echo "postgres-cluster: database names are [a-z_][a-z0-9_]*" >&2
    exit 2
  }
  local port
  port=$(cat "$dir/port" 2>/dev/null) || {
    echo "postgres-cluster: no cluster in $dir (run start first)" >&2
    exit 1
  }
  "$BIN/psql" -X -q -v ON_ERROR_STOP=1 "$(admin_url "$port")" -c "CREATE DATABASE $name" >/dev/null
  echo "postgres://postgres@127.0.0.1:$port/$name?sslmode=disable"
}

BIN=$(bindir)
case $command in
  start) [ $# = 2 ] || usage; start ;;
  stop) [ $# = 2 ] || usage; stop ;;
  url) [ $# = 2 ] || usage; url ;;
  createdb) [ $# -le 3 ] || usage; createdb "${3:-}" ;;
  *) usage ;;
esac
