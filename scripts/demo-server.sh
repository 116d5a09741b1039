#!/usr/bin/env bash
# `make demo-server`: a shared dossier on a throwaway PostgreSQL server. Starts a
# cluster in a temporary folder (Unix socket only, no TCP port), makes two lawyers'
# roles, imports the sample as alice, grants one case to bob and shows what each
# sees. Everything is deleted at the end.
set -euo pipefail

bin_of() {  # a PostgreSQL program: on the PATH, else in Debian's versioned folder
    command -v "$1" 2>/dev/null || ls /usr/lib/postgresql/*/bin/"$1" 2>/dev/null | tail -1
}
INITDB=$(bin_of initdb) PG_CTL=$(bin_of pg_ctl)
if [[ -z $INITDB || -z $PG_CTL ]]; then
    echo "PostgreSQL is not installed: 'apt-get install postgresql' (Debian), then run again." >&2
    exit 1
fi

FOLDER=$(mktemp -d /tmp/dossier-demo-server.XXXXXX)
AS=()
if [[ $(id -u) == 0 ]]; then  # PostgreSQL will not run as root
    chown postgres "$FOLDER"
    AS=(runuser -u postgres --)
fi
stop() {
    "${AS[@]}" "$PG_CTL" -D "$FOLDER/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$FOLDER"
}
trap stop EXIT
"${AS[@]}" "$INITDB" -D "$FOLDER/data" -U postgres -A trust -E UTF8 --no-sync >/dev/null
"${AS[@]}" "$PG_CTL" -D "$FOLDER/data" -l "$FOLDER/log" -w \
    -o "-c listen_addresses='' -k $FOLDER -c fsync=off" start >/dev/null
psql() { command "$(bin_of psql)" -X -q "$@"; }
psql "postgresql://postgres@/postgres?host=$FOLDER" -c "CREATE DATABASE defence"

export PAGER=cat
SERVER="postgresql://postgres@/defence?host=$FOLDER"
ALICE="postgresql://alice@/defence?host=$FOLDER"
BOB="postgresql://bob@/defence?host=$FOLDER"

run() {  # echo the command as one would type it (the URL as $DOSSIER_DB), then run it
    local who=$1 shown="" arg
    shift
    for arg in "$@"; do
        if [[ $arg =~ [[:space:]] ]]; then shown+=" \"$arg\""; else shown+=" $arg"; fi
    done
    printf '\n%s$ dossier%s\n' "$who" "$shown"
    case $who in
        alice) DOSSIER_DB=$ALICE dossier "$@" ;;
        bob) DOSSIER_DB=$BOB dossier "$@" ;;
        *) DOSSIER_DB=$SERVER dossier "$@" ;;
    esac
}

echo "A throwaway server in $FOLDER; database defence, roles postgres (owner), alice, bob."
run postgres server init
run postgres server add-user alice --create
run postgres server add-user bob --create
run alice import data/cases.csv data/persons.csv data/events.csv
run alice case list
run bob case list
run alice access grant kudoyarov bob --read-only
run alice access list
run bob case list
run bob timeline kudoyarov --oneline
run bob log kudoyarov statement 2011-10-12 || true
run alice log kudoyarov statement 2011-10-12 --description "A statement by his lawyer."
run bob history
run alice verify
