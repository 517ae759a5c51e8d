#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A private, throw-away PostgreSQL server for tests: initdb into DIR/data,
# listening on 127.0.0.1 only (port 55432, or the next free one) and on a unix
# socket in DIR, trust authentication, owned by the postgres user when run as
# root. Nothing outside DIR is touched; a failed start leaves no server behind.
#
#   postgres.sh start DIR [PORT]  create and start; prints the libpq URI on stdout
#   postgres.sh stop DIR          stop the server (if running) and remove DIR
#   postgres.sh restart DIR       pg_ctl restart -m fast (drops every session)
#   postgres.sh pause DIR         stop the server, keep DIR
#   postgres.sh resume DIR        start it again after pause
#   postgres.sh available         exit 0 if the server binaries are installed
#
# DIR must not exist yet (start creates it) or be empty. Exit status 77 means
# the PostgreSQL server binaries are missing.
set -euo pipefail

die() { echo "postgres.sh: $*" >&2; exit 1; }

find_bindir() {
  local d
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    [[ -x $d/initdb && -x $d/pg_ctl ]] && { echo "$d"; return 0; }
  done
  if command -v initdb >/dev/null && command -v pg_ctl >/dev/null; then
    dirname "$(command -v initdb)"; return 0
  fi
  return 1
}

# Runs a server binary as the postgres user when we are root (the server
# refuses to run as root), as ourselves otherwise.
as_owner() {
  if [[ $(id -u) -eq 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

pg_ctl_() { as_owner "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" "$@"; }

print_log_tail() {
  [[ -f $DIR/server.log ]] && tail -n 20 "$DIR/server.log" >&2 || true
}

cmd=${1:-}
if [[ $cmd == available ]]; then
  find_bindir >/dev/null || exit 77
  exit 0
fi
DIR=${2:-}
[[ -n $cmd && -n $DIR ]] || die "usage: postgres.sh start|stop|restart|pause|resume DIR [PORT]"
BIN=$(find_bindir) || { echo "postgres.sh: PostgreSQL server binaries (initdb, pg_ctl) not found" >&2; exit 77; }
if [[ $(id -u) -eq 0 ]] && ! id postgres >/dev/null 2>&1; then
  die "running as root needs a 'postgres' user to own the server"
fi

case $cmd in
start)
  if [[ -e $DIR ]]; then
    [[ -d $DIR && -z $(ls -A "$DIR") ]] || die "$DIR exists and is not empty"
  fi
  mkdir -p "$DIR"
  DIR=$(cd "$DIR" && pwd)
  [[ ${#DIR} -lt 90 ]] || die "$DIR is too long for a unix socket path"
  started=0
  cleanup_on_failure() {
    local rc=$?
    if [[ $rc -ne 0 ]]; then
      [[ $started -eq 1 ]] && pg_ctl_ -m immediate stop >/dev/null 2>&1 || true
      print_log_tail
      rm -rf "$DIR"
    fi
  }
  trap cleanup_on_failure EXIT
  [[ $(id -u) -eq 0 ]] && chown postgres: "$DIR"
  chmod 700 "$DIR"
  as_owner "$BIN/initdb" -D "$DIR/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 \
    >"$DIR/initdb.log" 2>&1 || { cat "$DIR/initdb.log" >&2; die "initdb failed"; }
  # Settings live in the data directory, so restart and resume keep them.
  cat >>"$DIR/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
unix_socket_directories = '$DIR'
max_connections = 120
log_min_messages = warning
include_if_exists = 'trellis_port.conf'
CONF
  port=${3:-55432}
  last=$((port + 40))
  while :; do
    if ! port_in_use "$port"; then
      echo "port = $port" >"$DIR/data/trellis_port.conf"
      [[ $(id -u) -eq 0 ]] && chown postgres: "$DIR/data/trellis_port.conf"
      if pg_ctl_ -w -t 30 start >/dev/null 2>&1; then
        started=1
        break
      fi
      # Lost a race for the port, or a real failure: the log says which.
      grep -q "could not bind\|Address already in use" "$DIR/server.log" 2>/dev/null ||
        die "the server did not start"
    fi
    port=$((port + 1))
    [[ $port -le $last ]] || die "no free port between ${3:-55432} and $last"
  done
  echo "$port" >"$DIR/port"
  as_owner "$BIN/psql" -h "$DIR" -p "$port" -U postgres -d postgres -qAt \
    -c "CREATE DATABASE trellis" >/dev/null || die "cannot create database trellis"
  trap - EXIT
  echo "postgresql://postgres@127.0.0.1:$port/trellis"
  ;;
stop)
  [[ -d $DIR ]] || exit 0
  [[ -f $DIR/data/PG_VERSION ]] || die "$DIR does not hold a test server"
  if [[ -f $DIR/data/postmaster.pid ]]; then
    pg_ctl_ -m fast -w -t 30 stop >/dev/null 2>&1 || pg_ctl_ -m immediate stop >/dev/null 2>&1 || true
  fi
  rm -rf "$DIR"
  ;;
restart)
  pg_ctl_ -m fast -w -t 30 restart >/dev/null || { print_log_tail; die "restart failed"; }
  ;;
pause)
  pg_ctl_ -m fast -w -t 30 stop >/dev/null || { print_log_tail; die "stop failed"; }
  ;;
resume)
  pg_ctl_ -w -t 30 start >/dev/null || { print_log_tail; die "start failed"; }
  ;;
*)
  die "unknown command $cmd"
  ;;
esac
