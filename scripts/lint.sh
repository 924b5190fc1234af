#!/usr/bin/env bash
# The project's lint, the one command the README, .ci/run and .gitlab-ci.yml all run:
# ruff (rules and formatting) on the whole repository, strict mypy, GitLab's CI schema, and the
# docs site built strictly (a broken link fails) when MkDocs is installed (the dev extra has it).
set -euo pipefail
cd "$(dirname "$0")/.."
# The tools from .venv when there is one (scripts/setup.sh makes it), else from PATH (a CI job).
BIN=""
if [ -x .venv/bin/ruff ]; then BIN=.venv/bin/; fi
"${BIN}ruff" check .
"${BIN}ruff" format --check .
"${BIN}mypy" grader
"${BIN}check-jsonschema" --builtin-schema vendor.gitlab-ci .gitlab-ci.yml grader/templates/*.gitlab-ci.yml
if command -v "${BIN}mkdocs" >/dev/null; then
  site=$(mktemp -d)
  trap 'rm -rf "$site"' EXIT
  NO_MKDOCS_2_WARNING=1 "${BIN}mkdocs" build --strict --quiet --site-dir "$site"
else
  echo "lint: mkdocs is not installed (pip install -e '.[dev]'): the docs site was not built" >&2
fi
