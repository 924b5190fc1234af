#!/usr/bin/env bash
# Set up, then run grader's own test suite on the real Docker engine.
# GRADER_REQUIRE_DOCKER=1 and GRADER_REQUIRE_CLUSTER=1 turn "no engine" and "no cluster" into
# failures instead of skips. The cluster is left running (`scripts/cluster.sh down` stops it).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# Headless Chromium, for the class dashboard's screenshot test (tests only).
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
if ! command -v chromium >/dev/null 2>&1; then
  $SUDO apt-get update -qq || true
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null \
    || echo "test: chromium could not be installed; the dashboard screenshot test will fail" >&2
fi
# GitLab's pipelines run for real in gitlab-ci-local (npm; Node 22 from npm, since Debian's
# Node 20 crashes it), which copies artifacts with rsync: tests/integration/test_pipelines.py.
command -v rsync >/dev/null 2>&1 || DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq rsync >/dev/null
GCL_DIR=.cache/gitlab-ci-local
if [ ! -x "$GCL_DIR/node_modules/.bin/node" ] || [ ! -f "$GCL_DIR/node_modules/gitlab-ci-local/dist/index.js" ]; then
  echo "test: installing Node 22 and gitlab-ci-local into $GCL_DIR…"
  npm install --silent --prefix "$GCL_DIR" node@22 gitlab-ci-local@4.75.1 >/dev/null
fi
# The Kubernetes live tier: the grader's own single-node cluster (built once per machine, about
# 8 minutes the first time; started in about 25 s). The `cluster` tests must run for real.
kubeconfig="$(bash scripts/cluster.sh up | tail -n1)"
GRADER_KUBECONFIG="$kubeconfig" GRADER_REQUIRE_CLUSTER=1 GRADER_REQUIRE_DOCKER=1 \
  GRADER_REQUIRE_BROWSER=1 exec .venv/bin/python -m pytest tests "$@"
