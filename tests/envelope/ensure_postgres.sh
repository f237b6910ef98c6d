#!/usr/bin/env bash
# A PostgreSQL server for the registry tests: 127.0.0.1:5432, database `test`, which users
# postgres or root may enter over TCP without a password.
# Already answering: nothing to do. Otherwise, as root with apt: install the server if missing,
# create a cluster if there is none on the port, let local TCP connections into `test` without
# a password (an apt-created cluster asks for one: scram-sha-256), start it, create `test`.
# Never fails `make test`: where none can be had, it says why and the PostgreSQL tests skip
# (pytest prints the reason in its summary).
# DATAFLOW_PG_PORT and DATAFLOW_PG_CLUSTER (default 5432 and main) exist to try this script on a
# throwaway cluster; the tests themselves use 5432.
set -u
port=${DATAFLOW_PG_PORT:-5432}
cluster=${DATAFLOW_PG_CLUSTER:-main}
where="127.0.0.1:$port"
answers() {
    command -v psql >/dev/null 2>&1 || return 1
    for user in postgres root; do
        psql -h 127.0.0.1 -p "$port" -U "$user" -d test -Atqc 'select 1' >/dev/null 2>&1 \
            && return 0
    done
    return 1
}
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; }
if answers; then exit 0; fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    if ! command -v psql >/dev/null 2>&1 && listening; then
        echo "note: a server listens on $where but psql is not installed to check it; the" \
             "PostgreSQL registry tests will try it (and skip, saying why, if it refuses them)"
    elif listening; then
        echo "warning: a server listens on $where but does not let user postgres or root into" \
             "database 'test' without a password: the PostgreSQL registry tests will skip"
    else
        echo "warning: no PostgreSQL at $where (database 'test', trust auth) and not root with" \
             "apt to install one: the PostgreSQL registry tests will skip"
    fi
    exit 0
fi
if ! command -v pg_ctlcluster >/dev/null 2>&1; then
    echo "installing PostgreSQL with apt for the registry tests"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null \
        || { echo "warning: apt could not install postgresql; its tests will skip"; exit 0; }
fi
# the cluster on this port (installing postgresql creates one, 'main', on 5432 if it is free)
read -r version name < <(pg_lsclusters -h 2>/dev/null | awk -v port="$port" '$3 == port {print $1, $2; exit}')
if [ -z "${version:-}" ]; then
    if listening; then
        echo "warning: a server that is not a cluster of this machine's PostgreSQL listens on" \
             "$where and does not let user postgres or root into 'test': its tests will skip"
        exit 0
    fi
    version=$(ls /usr/lib/postgresql | sort -V | tail -1)
    name=$cluster
    pg_createcluster --port "$port" "$version" "$name" >/dev/null \
        -- --auth-local=trust --auth-host=trust \
        || { echo "warning: could not create a PostgreSQL cluster; its tests will skip"; exit 0; }
fi
# connections from 127.0.0.1 into `test` only, without a password (the first matching line
# of pg_hba.conf decides: this one goes first)
hba=/etc/postgresql/$version/$name/pg_hba.conf
rule="host test all 127.0.0.1/32 trust"
if [ -f "$hba" ] && ! grep -qxF "$rule" "$hba"; then
    { echo "# the dataflow registry tests (tests/envelope/ensure_postgres.sh)"; echo "$rule"
      cat "$hba"; } > "$hba.new" && chown --reference="$hba" "$hba.new" \
        && chmod --reference="$hba" "$hba.new" && mv "$hba.new" "$hba"
    pg_ctlcluster "$version" "$name" reload 2>/dev/null
fi
pg_isready -h 127.0.0.1 -p "$port" -q || pg_ctlcluster "$version" "$name" start 2>/dev/null \
    || service postgresql start >/dev/null 2>&1 || true
for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p "$port" -q && break; sleep 1; done
in_postgres() { (cd / && su postgres -c "$1"); }  # (a cwd postgres cannot read: cd / first)
in_postgres "psql -p $port -Atqc \"select 1 from pg_database where datname = 'test'\"" 2>/dev/null \
    | grep -q 1 || in_postgres "createdb -p $port test" 2>/dev/null
if answers; then
    echo "PostgreSQL $version is running at $where (database 'test')"
else
    echo "warning: PostgreSQL $version ($name) is up but $where database 'test' does not let" \
         "user postgres in without a password: the PostgreSQL registry tests will skip"
fi
exit 0
