#!/usr/bin/env bash
# `make demo`: a short session that builds a small dossier in a temporary file
# and shows it. Every fact and source below comes from ../shared/facts/.
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

run case add aleksanyan --title "Vasily Aleksanyan (ex-Yukos executive vice president)" \
    --jurisdiction RU --status closed --tag yukos
run person add "Василий Алексанян" --alias "Vasily Aleksanyan" --alias "Vasily Alexanyan" \
    --born 15.12.1971 --case aleksanyan --role defendant \
    --source "https://imrussia.org/en/nation/225-a-tribute-to-vasily-aleksanyan"
run log aleksanyan arrest 2006-04-06 --person "Vasily Aleksanyan" --place Moscow \
    --description "Detained on embezzlement and tax-fraud charges" \
    --source "http://www.idhae.org/uk-page4.1.eur.rus6.htm"
run log aleksanyan illness "October 2006" --person "Алексанян Василий" || true
run log aleksanyan illness "October 2006" --person "Василий Алексанян" \
    --place "Moscow pretrial detention" --description "Diagnosed as HIV-positive in custody" \
    --source "http://www.idhae.org/uk-page4.1.eur.rus6.htm"
run log aleksanyan medical_care_denied 23.10.2007 --person vasiliy-aleksanyan \
    --description "Experts found he urgently needed in-patient treatment the centre could not give" \
    --source "http://www.idhae.org/uk-page4.1.eur.rus6.htm"
run log aleksanyan bail "декабрь 2008" --person vasiliy-aleksanyan \
    --description "Bail allowed for the first time, set at 50 million roubles" \
    --source "http://khpg.org/en/index.php?id=1229998284"

run case add kudoyarov --title "Andrei Kudoyarov (school principal, died in pretrial detention)" \
    --jurisdiction RU --status deceased
run person add "Андрей Кудояров" --alias "Andrei Kudoyarov" --alias "Andrey Kudoyarov" \
    --case kudoyarov --role defendant
run log kudoyarov arrest 2011-05-20 --person "Andrei Kudoyarov" \
    --place "Moscow (his office at School No. 1308)" \
    --source "https://sobesednik.ru/incident/direktor-shkoly-obvinennyi-v-vymogatelstve-vzyatki-umer-v-sizo"
run log kudoyarov death_in_custody 2011-10-08 --person "Andrei Kudoyarov" \
    --place "SIZO No. 3, Moscow" --description "Died of a massive heart attack in the medical unit" \
    --source "https://journal.timeconstructor.com/amp/posts/2011/10/14/stydno-ne-byvaet-u-mertvyh"

run case list
run person list
run event list --case aleksanyan
run log aleksanyan release "January 2009" --person vasiliy-aleksanyan --country RU
run event list --case aleksanyan --type bail --type release
run history --limit 3
run undo
run verify
