#!/usr/bin/env bash
# `make demo`: import the sample dossier (data/) into a temporary file and show
# what dossier does with it: a timeline, the comparison table, the custody chart,
# statistics, a report, the court copy, and the dossier encrypted at rest.
set -euo pipefail

DOSSIER_DB="$(mktemp -d)/demo.json"
export DOSSIER_DB PAGER=cat
trap 'rm -rf "$(dirname "$DOSSIER_DB")"' EXIT

run() {  # echo the command as one would type it, then run it
    local shown="" arg
    for arg in "$@"; do
        if [[ $arg =~ [[:space:]\'\"\$\;\&\|\<\>\(\)] ]]; then shown+=" \"$arg\""; else shown+=" $arg"; fi
    done
    printf '\n$ dossier%s\n' "$shown"
    dossier "$@"
}

run import data/cases.csv data/persons.csv data/events.csv
run case list
run timeline khodorkovsky --person "Mikhail Khodorkovsky" --to 2006
run timeline kudoyarov
run stats --per-person --sort pretrial_days
run chart
run stats
run search Chodorkowski --limit 3
run report kudoyarov
run report khodorkovsky aleksanyan kudoyarov -o dossier-demo.html
run report khodorkovsky aleksanyan kudoyarov -o dossier-demo.pdf
run verify --file dossier-demo.pdf

# Encryption at rest: a script gives the passphrase in a file (never on the command line).
(umask 077; printf 'demo passphrase, not a real one\n' > "$(dirname "$DOSSIER_DB")/passphrase")
export DOSSIER_PASSPHRASE_FILE="$(dirname "$DOSSIER_DB")/passphrase"
run encrypt
printf '\n$ head -c 16 demo.json | od -c | head -1\n'
head -c 16 "$DOSSIER_DB" | od -c | head -1
run stats --case kudoyarov
run verify
printf '\nOpen dossier-demo.html in a browser, or dossier-demo.pdf: the court copy of all three cases.\n'

