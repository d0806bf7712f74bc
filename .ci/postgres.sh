# Sourced by .ci/run: installs PostgreSQL (Debian's packages) when missing, starts a throwaway
# cluster in a temporary directory listening on a Unix socket only, exports PGHOST, PGUSER,
# PGDATABASE and DATABASE_URL for the tests, and stops and removes it on exit, also on failure.

pg_bindir() {
  if command -v pg_config >/dev/null 2>&1 && [ -x "$(pg_config --bindir)/initdb" ]; then
    pg_config --bindir
    return
  fi
  # Debian keeps the server binaries out of PATH.
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

install_postgres() {
  echo "PostgreSQL is missing: installing Debian's postgresql package"
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq postgresql postgresql-contrib >/dev/null
}

start_postgres() {
  local bindir
  bindir="$(pg_bindir)"
  if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
    install_postgres
    bindir="$(pg_bindir)"
  fi
  PG_DIR="$(mktemp -d /tmp/recordlock-pg.XXXXXX)"
  # initdb refuses to run as root: as root, the cluster belongs to the `postgres` user the
  # Debian package creates.
  local as=()
  if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
    chown postgres "$PG_DIR"
    as=(runuser -u postgres --)
  fi
  "${as[@]}" "$bindir/initdb" -D "$PG_DIR/data" -U recordlock --auth=trust -E UTF8 --locale=C.UTF-8 >"$PG_DIR/initdb.log" 2>&1 \
    || { cat "$PG_DIR/initdb.log"; return 1; }
  PG_CTL=("${as[@]}" "$bindir/pg_ctl" -D "$PG_DIR/data")
  trap stop_postgres EXIT
  "${PG_CTL[@]}" -o "-c listen_addresses='' -k $PG_DIR -c fsync=off -c synchronous_commit=off" \
    -l "$PG_DIR/server.log" -w start >/dev/null
  export PGHOST="$PG_DIR" PGUSER=recordlock PGDATABASE=postgres
  export DATABASE_URL="postgresql://recordlock@${PG_DIR//\//%2F}/postgres"
  echo "PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') at $PGHOST (DATABASE_URL=$DATABASE_URL)"
}

stop_postgres() {
  if [ -n "${PG_DIR:-}" ] && [ -d "$PG_DIR" ]; then
    "${PG_CTL[@]}" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$PG_DIR"
  fi
}
