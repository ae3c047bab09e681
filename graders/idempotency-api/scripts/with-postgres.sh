#!/usr/bin/env bash
# Run a command against a throwaway PostgreSQL server on 127.0.0.1:
#   bash scripts/with-postgres.sh pnpm exec vitest run
# Installs the Debian "postgresql" package if needed (needs root), initializes a cluster in a
# temporary directory owned by the "postgres" user (PostgreSQL refuses to run as root), starts
# it on a free port, runs the command with DATABASE_URL set, and always stops the server and
# removes the directory.
set -euo pipefail

if [ "$#" -eq 0 ]; then
  echo "usage: with-postgres.sh <command> [args...]" >&2
  exit 2
fi

find_bindir() {
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -n "$d" ] && [ -x "$d/initdb" ]; then echo "$d"; fi
}

BINDIR=$(find_bindir)
if [ -z "$BINDIR" ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "with-postgres.sh: PostgreSQL is not installed and we are not root; install the postgresql package" >&2
    exit 1
  fi
  echo "with-postgres.sh: installing postgresql (apt-get)" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends postgresql >/dev/null
  BINDIR=$(find_bindir)
  if [ -z "$BINDIR" ]; then
    echo "with-postgres.sh: postgresql installed but initdb not found under /usr/lib/postgresql" >&2
    exit 1
  fi
fi

as_pg() {
  if [ "$(id -u)" -eq 0 ]; then
    if command -v runuser >/dev/null 2>&1; then runuser -u postgres -- "$@"; else su postgres -s /bin/sh -c "$(printf '%q ' "$@")"; fi
  else
    "$@"
  fi
}

if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
  useradd --system --home-dir /var/lib/postgresql --shell /bin/sh postgres
fi

PGTMP=$(mktemp -d "${TMPDIR:-/tmp}/faultline-pg.XXXXXX")
chmod 755 "$PGTMP"
if [ "$(id -u)" -eq 0 ]; then chown postgres "$PGTMP"; fi
DATA="$PGTMP/data"
STARTED=0

cleanup() {
  local rc=$?
  if [ "$STARTED" -eq 1 ]; then
    as_pg "$BINDIR/pg_ctl" -D "$DATA" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$PGTMP"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

PORT=$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')

as_pg "$BINDIR/initdb" -D "$DATA" -U postgres --auth=trust --no-sync -E UTF8 >/dev/null
as_pg "$BINDIR/pg_ctl" -D "$DATA" -l "$PGTMP/server.log" -w -t 60 \
  -o "-c listen_addresses=127.0.0.1 -p $PORT -k $PGTMP -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" start >/dev/null
STARTED=1

export DATABASE_URL="postgres://postgres@127.0.0.1:$PORT/postgres"
echo "with-postgres.sh: PostgreSQL $("$BINDIR/postgres" --version | awk '{print $3}') on 127.0.0.1:$PORT" >&2
set +e
"$@"
RC=$?
set -e
exit $RC
