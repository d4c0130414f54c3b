#!/usr/bin/env bash
# Make sure a PostgreSQL server answers on 127.0.0.1:5432 (trust auth, a database named
# `test`) and print the URL for the PostgreSQL test tier. Where none answers, install and
# start Debian's `postgresql` (needs root, as on CI). Usage:
#   export PRACTICE_TEST_POSTGRES_URL="$(scripts/ci-postgres.sh)"
# Messages go to stderr; only the URL goes to stdout. Exits non-zero if no server could be had.
set -euo pipefail
HOST=127.0.0.1
PORT=5432
URL="postgresql+psycopg://postgres@${HOST}:${PORT}/test"

say() { echo "ci-postgres: $*" >&2; }

answers() { command -v pg_isready >/dev/null 2>&1 && pg_isready -q -h "$HOST" -p "$PORT"; }

if ! answers; then
    if ! command -v pg_ctlcluster >/dev/null 2>&1; then
        say "no PostgreSQL server on ${HOST}:${PORT}; installing Debian's postgresql"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq >&2
        apt-get install -y -qq postgresql >&2
    fi
    cluster=$(pg_lsclusters -h 2>/dev/null | awk 'NR==1 {print $1" "$2}')
    if [ -z "$cluster" ]; then
        version=$(ls /usr/lib/postgresql | sort -V | tail -1)
        say "creating cluster ${version}/main"
        pg_createcluster "$version" main >&2
        cluster="$version main"
    fi
    set -- $cluster
    conf="/etc/postgresql/$1/$2"
    # trust auth on loopback, for tests only: this server holds nothing but throwaway test databases
    if ! grep -q "^host all all 127.0.0.1/32 trust" "$conf/pg_hba.conf"; then
        sed -i '/^host\s\+all\s\+all\s\+127.0.0.1\/32/d; /^host\s\+all\s\+all\s\+::1\/128/d' "$conf/pg_hba.conf"
        printf 'host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust\n' >> "$conf/pg_hba.conf"
    fi
    sed -i "s/^#\?port = .*/port = ${PORT}/; s/^#\?listen_addresses = .*/listen_addresses = '${HOST}'/" "$conf/postgresql.conf"
    say "starting cluster $1/$2"
    pg_ctlcluster "$1" "$2" restart >&2 || pg_ctlcluster "$1" "$2" start >&2
    for _ in $(seq 1 30); do answers && break; sleep 1; done
    answers || { say "PostgreSQL did not come up on ${HOST}:${PORT}"; exit 1; }
fi

if ! psql -h "$HOST" -p "$PORT" -U postgres -d test -Atqc 'select 1' >/dev/null 2>&1; then
    psql -h "$HOST" -p "$PORT" -U postgres -d postgres -qc 'CREATE DATABASE test' >&2 \
        || { say "cannot reach database 'test' as user postgres with trust auth on ${HOST}:${PORT}"; exit 1; }
fi
say "PostgreSQL answers on ${HOST}:${PORT}"
echo "$URL"
