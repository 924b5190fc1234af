#!/usr/bin/env bash
# Set up, then run grader's own test suite on the real Docker engine.
# Two pytest runs: the tests that need no cluster (while the cluster builds), then the
# `cluster` tests. The cluster is left running (`scripts/cluster.sh down` stops it).
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
# Two lanes side by side, then what must run alone (each must pass for real: GRADER_REQUIRE_*
# makes a missing engine, cluster or browser fail instead of skipping):
#  - the engine lane: every test that grades on this Docker engine;
#  - the second lane: the quick tier (no engine at all: DOCKER_HOST points nowhere, as in the
#    project pipeline's `quick` job), the GitLab pipelines (their jobs grade in Docker-in-Docker
#    engines of their own), then the cluster tests. The cluster is the grader's own single-node
#    cluster, built from source once per machine (about 10 minutes of compiling the first time,
#    at the lowest CPU priority, meanwhile), then started (about 25 s). This lane makes nothing
#    of the grader on the engine, and leaves the engine lane's objects alone
#    (GRADER_TESTS_SHARED_ENGINE: its tests do not count the engine's objects as theirs);
#  - last, alone: the tests that clean up everything the grader made (`grader clean`), then a
#    check that nothing of the grader remains on the engine or on the cluster.
# The second lane's output is shown when the engine lane is done.
mkdir -p .cache
build_log=.cache/cluster-build.log lane_log=.cache/tests-second-lane.log
kubeconfig_file=.cache/cluster-kubeconfig
rm -f "$kubeconfig_file"
tests() { .venv/bin/python -m pytest tests -p no:cacheprovider -m "$@"; }
(
  nice -n 19 bash scripts/cluster.sh build >"$build_log" 2>&1 &
  build=$!
  export GRADER_TESTS_SHARED_ENGINE=1
  lane=0
  DOCKER_HOST=tcp://127.0.0.1:9 GRADER_REQUIRE_BROWSER=1 tests "not docker and not cluster" "$@" \
    || lane=$?
  GRADER_REQUIRE_DOCKER=1 tests pipeline "$@" || lane=$?
  if ! wait "$build"; then
    echo "test: the cluster build failed (last lines of $build_log):"
    tail -n 30 "$build_log"
    exit 1
  fi
  bash scripts/cluster.sh up | tail -n1 >"$kubeconfig_file"
  GRADER_KUBECONFIG="$(cat "$kubeconfig_file")" GRADER_REQUIRE_CLUSTER=1 GRADER_REQUIRE_DOCKER=1 \
    tests "cluster and not alone" "$@" || lane=$?
  exit "$lane"
) >"$lane_log" 2>&1 &
second=$!
status=0
GRADER_REQUIRE_DOCKER=1 tests "docker and not cluster and not pipeline and not alone" "$@" \
  || status=$?
wait "$second" || status=$?
echo "=== the second lane: the quick tier, the GitLab pipelines, then the cluster ($lane_log) ==="
cat "$lane_log"
[ -s "$kubeconfig_file" ] || exit 1
export GRADER_KUBECONFIG="$(cat "$kubeconfig_file")"
GRADER_REQUIRE_CLUSTER=1 GRADER_REQUIRE_DOCKER=1 tests alone "$@" || status=$?
.venv/bin/python -m tests.helpers.leftovers || status=$?
exit "$status"
