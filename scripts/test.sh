#!/usr/bin/env bash
# Set up, then run grader's own test suite on the real Docker engine.
# GRADER_REQUIRE_DOCKER=1 turns "no engine" into a failure instead of a skip.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
GRADER_REQUIRE_DOCKER=1 exec .venv/bin/python -m pytest tests "$@"
