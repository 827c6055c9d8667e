#!/usr/bin/env bash
# Runs a command with a private, throwaway PostgreSQL cluster and COUNTERSIGN_TEST_PG pointing at it, so the store
# and push-hub tests run against a real server. Where COUNTERSIGN_TEST_PG is already set (a developer's own cluster,
# or an outer with-postgres.sh), it runs the command as it is.
#   - data directory and unix socket in a fresh temp dir, removed on exit;
#   - listens on 127.0.0.1 only, on a free port;
#   - fsync, synchronous_commit and full_page_writes off: the data is thrown away, so durability only costs time;
#   - max_connections 400: every test server holds a pool plus a LISTEN connection, and test files run side by side.
# COUNTERSIGN_TEST_PG is a superuser URL (…/postgres); tests create one database per test server.
# Usage: scripts/with-postgres.sh <command> [args…]   (the command's exit code is this script's)
set -euo pipefail

if [ -n "${COUNTERSIGN_TEST_PG:-}" ]; then
  exec "$@"
fi

# Debian's packages put each major version's binaries in /usr/lib/postgresql/N/bin; take the newest.
bin=""
for dir in $(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V); do
  [ -x "$dir/initdb" ] && [ -x "$dir/postgres" ] && bin="$dir"
done
if [ -z "$bin" ]; then
  echo "with-postgres: no PostgreSQL server binaries in /usr/lib/postgresql/*/bin; install Debian's postgresql" \
    "(apt-get install postgresql, as .ci/run does) or set COUNTERSIGN_TEST_PG to a superuser URL" >&2
  exit 1
fi

# initdb and postgres refuse to run as root; CI runs as root, so there they run as the postgres user that Debian's
# package creates.
as_owner=()
if [ "$(id -u)" -eq 0 ]; then
  id postgres >/dev/null 2>&1 || {
    echo "with-postgres: running as root but there is no 'postgres' user to run the cluster as; install Debian's postgresql" >&2
    exit 1
  }
  as_owner=(runuser -u postgres --)
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/countersign-pg.XXXXXX")"
data="$work/data"
sockets="$work/sockets"
log="$work/postgres.log"
mkdir -p "$sockets"
[ "${#as_owner[@]}" -eq 0 ] || chown -R postgres: "$work"

pg_pid=""
cleanup() {
  local code=$?
  if [ -n "$pg_pid" ]; then
    # Immediate shutdown: the data is thrown away next, so there is nothing to flush. pg_ctl signals the postmaster
    # through its pid file; waiting for our child then reaps it (no daemon left behind).
    "${as_owner[@]}" "$bin/pg_ctl" stop -D "$data" -m immediate -s >/dev/null 2>&1 || kill -KILL "$pg_pid" 2>/dev/null
    wait "$pg_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
  exit "$code"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Trust authentication: the cluster listens on loopback and its own socket dir only, lives for this one command and
# holds nothing but test data, so a password would protect nothing.
"${as_owner[@]}" "$bin/initdb" -D "$data" -U postgres --auth=trust --encoding=UTF8 --no-locale --no-sync \
  >"$work/initdb.log" 2>&1 || {
  cat "$work/initdb.log" >&2
  exit 1
}

# A free port: ask the kernel for one, then hand it to postgres. Another process may take it in between, so a start
# that fails is tried again on a new port.
free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }

started=""
for _ in 1 2 3 4 5; do
  port="$(free_port)"
  # In the foreground of a background job (not pg_ctl start): it stays our child, so the exit trap can reap it.
  "${as_owner[@]}" "$bin/postgres" -D "$data" -k "$sockets" -h 127.0.0.1 -p "$port" \
    -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=400 >"$log" 2>&1 &
  pg_pid=$!
  for _ in $(seq 1 300); do
    kill -0 "$pg_pid" 2>/dev/null || break
    if "$bin/pg_isready" -q -h 127.0.0.1 -p "$port" -U postgres -d postgres; then
      started=1
      break
    fi
    sleep 0.1
  done
  [ -z "$started" ] || break
  # Exited (most likely the port was taken meanwhile) or not ready in 30 s: stop it and try a new port.
  kill -KILL "$pg_pid" 2>/dev/null || true
  wait "$pg_pid" 2>/dev/null || true
  pg_pid=""
done
if [ -z "$started" ]; then
  echo "with-postgres: PostgreSQL did not start; its log:" >&2
  cat "$log" >&2 || true
  exit 1
fi

export COUNTERSIGN_TEST_PG="postgres://postgres@127.0.0.1:$port/postgres"
echo "with-postgres: PostgreSQL $("$bin/postgres" --version | awk '{print $3}') at $COUNTERSIGN_TEST_PG (data $data)" >&2
set +e
"$@"
code=$?
set -e
exit "$code"
