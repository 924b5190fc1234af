#!/usr/bin/env bash
# Set up, then grade the bundled sample submission (fixtures/sample) like a student would:
# the table is printed, the HTML report is written to out/sample-report.html.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
mkdir -p out
exec .venv/bin/grader check --all --path fixtures/sample --format html -o out/sample-report.html "$@"
