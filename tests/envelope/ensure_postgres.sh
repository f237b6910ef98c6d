#!/usr/bin/env bash
# A PostgreSQL server for the registry tests: 127.0.0.1:5432, trust auth, database `test`.
# Already answering: nothing to do. Otherwise, as root with apt: install the server if missing,
# create a cluster (trusting local connections) if there is none, start it, create `test`.
# Never fails `make test`: where none can be had, it says why and the PostgreSQL tests skip
# (pytest prints the reason in its summary).
set -u
answers() {
    command -v psql >/dev/null 2>&1 || return 1
    for user in postgres root; do
        psql -h 127.0.0.1 -p 5432 -U "$user" -d test -Atqc 'select 1' >/dev/null 2>&1 && return 0
    done
    return 1
}
if answers; then exit 0; fi
if (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; then
    echo "warning: a server listens on 127.0.0.1:5432 but does not let user postgres or root" \
         "into database 'test' without a password: the PostgreSQL registry tests will skip"
    exit 0
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "warning: no PostgreSQL at 127.0.0.1:5432 (database 'test', trust auth) and not root" \
         "with apt to install one: the PostgreSQL registry tests will skip"
    exit 0
fi
if ! command -v pg_ctlcluster >/dev/null 2>&1; then
    echo "installing PostgreSQL with apt for the registry tests"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null \
        || { echo "warning: apt could not install postgresql; its tests will skip"; exit 0; }
fi
version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -1)
if [ -z "$version" ]; then
    version=$(ls /usr/lib/postgresql | sort -V | tail -1)
    pg_createcluster --port 5432 "$version" main >/dev/null \
        -- --auth-local=trust --auth-host=trust \
        || { echo "warning: could not create a PostgreSQL cluster; its tests will skip"; exit 0; }
fi
pg_ctlcluster "$version" main start 2>/dev/null || service postgresql start >/dev/null 2>&1 || true
for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
su postgres -c "psql -Atqc \"select 1 from pg_database where datname = 'test'\"" 2>/dev/null \
    | grep -q 1 || su postgres -c "createdb test" 2>/dev/null
if answers; then
    echo "PostgreSQL $version is running at 127.0.0.1:5432 (database 'test')"
else
    echo "warning: PostgreSQL $version started but 127.0.0.1:5432 database 'test' does not let" \
         "user postgres in without a password: the PostgreSQL registry tests will skip"
fi
exit 0
