#!/usr/bin/env bash
# A throwaway PostgreSQL server on loopback for the store tests (Debian's `postgresql` package).
#
#   eval "$(scripts/pg-test-server.sh start)"   # prints `export KTUNE_TEST_STORE=… KTUNE_PG_DIR=…`
#   scripts/pg-test-server.sh stop "$KTUNE_PG_DIR"
#
# start: initdb into a new temporary directory (as the `postgres` user when run as root: the server
# refuses to run as root), password authentication (scram-sha-256) for TCP, listening on 127.0.0.1 only at
# a free port, sockets inside the directory; prints the URL of a superuser `ktune` with a random password.
# stop: stops that server and removes its directory.
set -euo pipefail

bindir() {
  local d
  for d in /usr/lib/postgresql/*/bin; do
    [ -x "$d/initdb" ] && { echo "$d"; return 0; }
  done
  echo "pg-test-server: no PostgreSQL server binaries under /usr/lib/postgresql (run scripts/setup.sh, which installs Debian's postgresql package)" >&2
  return 1
}

as_owner() {  # run a command as the cluster's owner
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "${1:-}" in
start)
  BIN=$(bindir)
  dir=$(mktemp -d /tmp/ktune-pg.XXXXXX)
  chmod 700 "$dir"
  [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$dir"
  password=$(python3 -c 'import secrets; print(secrets.token_hex(12))')
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
  printf '%s\n' "$password" > "$dir.pw"
  [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$dir.pw"
  as_owner "$BIN/initdb" -D "$dir/data" -U ktune --pwfile="$dir.pw" --auth-host=scram-sha-256 --auth-local=trust \
    -E UTF8 --no-locale >"$dir.initdb.log" 2>&1 || { cat "$dir.initdb.log" >&2; exit 1; }
  rm -f "$dir.pw"
  as_owner "$BIN/pg_ctl" -D "$dir/data" -l "$dir/data/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c max_connections=60 -c fsync=off" start >/dev/null \
    || { cat "$dir/data/server.log" >&2; exit 1; }
  echo "export KTUNE_TEST_STORE=postgres://ktune:$password@127.0.0.1:$port/postgres"
  echo "export KTUNE_PG_DIR=$dir"
  ;;
stop)
  dir=${2:?usage: pg-test-server.sh stop DIR}
  case "$dir" in /tmp/ktune-pg.*) ;; *) echo "pg-test-server: refusing to remove $dir" >&2; exit 1 ;; esac
  BIN=$(bindir)
  [ -d "$dir/data" ] && as_owner "$BIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$dir" "$dir.initdb.log"
  ;;
*)
  echo "usage: $0 start | stop DIR" >&2; exit 2 ;;
esac
