#!/usr/bin/env bash
# The first page of the sample dossier's PDF report, for README.md:
#   bash scripts/report_picture.sh   # writes docs/report-first-page.png
# Needs the pdf extra (make test installs it) and pdftoppm (Debian's poppler-utils).
set -euo pipefail
cd "$(dirname "$0")/.."
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
.venv/bin/dossier --db "$work/d.json" import data/cases.csv data/persons.csv data/events.csv >/dev/null
.venv/bin/dossier --db "$work/d.json" report khodorkovsky aleksanyan kudoyarov --as-of 2026-01-01 \
    -o "$work/report.pdf" >/dev/null
pdftoppm -png -r 80 -f 1 -l 1 -singlefile "$work/report.pdf" docs/report-first-page
echo "wrote docs/report-first-page.png"
