"""Where the Docker engine is, decided once from `DOCKER_HOST`: the machine its published
ports are reached on, and whether it runs here (then the grader can see its cgroups, and a
kind cluster's API is on loopback)."""

from __future__ import annotations

import os
import urllib.parse

LOOPBACK = ("localhost", "127.0.0.1", "::1")


def engine_host() -> str:
    """The machine ports published by the engine are reached on: `DOCKER_HOST`'s, or localhost
    (on GitLab CI with a `docker:dind` service, containers publish on the `docker` host)."""
    url = urllib.parse.urlparse(os.environ.get("DOCKER_HOST", ""))
    return (
        url.hostname
        if url.scheme in ("tcp", "http", "https", "ssh") and url.hostname
        else "localhost"
    )


def engine_is_local() -> bool:
    """The engine runs on this machine: no `DOCKER_HOST`, a unix socket, or a loopback address."""
    return is_local(engine_host())


def is_local(host: str) -> bool:
    return host in LOOPBACK
