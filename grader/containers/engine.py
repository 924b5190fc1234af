"""The Docker engine: connecting, labelling, building images, running containers.

Every container, network and volume the grader creates carries `fr.grader.run=<run id>`;
every image it builds is tagged `grader-<run id>-<exercise>`. So all can be found and
removed afterwards (`sweep`), even when a grading run was killed. Images are tagged rather
than labelled on purpose: the classic builder turns build labels into extra layers that
would outlive the image. The last build of each exercise also keeps the tag
`grader-cache:<exercise>`, deliberately: removing the only tag of an image deletes its top
layer, and the next check of the same Dockerfile would rebuild it from scratch. One such
tag per exercise, no more; `grader clean --cache` removes them.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeAlias

import docker
import docker.errors
import requests.exceptions

from grader.containers import container_errors
from grader.containers.buildguard import Guard
from grader.containers.http import HttpResponse, probe, published_url
from grader.containers.unavailable import EngineUnavailable
from grader.model.hints import Hint
from grader.model.labels import LABEL_MANAGED, LABEL_RUN, from_kubelet
from grader.model.output import cap

IMAGE_PREFIX = "grader-"  # every image tag the grader makes starts with this
CACHE_REPOSITORY = "grader-cache"  # grader-cache:<exercise>, the last build of each exercise

Client: TypeAlias = Any  # docker.DockerClient: the docker SDK ships no type hints


def connect(*, timeout: int = 300) -> Client:
    try:
        client = docker.from_env(timeout=timeout)
        client.ping()
    except (docker.errors.DockerException, requests.exceptions.RequestException) as error:
        where = os.environ.get("DOCKER_HOST") or "unix:///var/run/docker.sock"
        raise EngineUnavailable(f"{where}: {error}") from error
    return client


@dataclass
class BuildResult:
    ok: bool
    image: str | None
    log: str
    error: str | None = None
    unguarded: str | None = None  # why a build limit was off (grader.containers.buildguard)


def build_image(
    client: Client,
    context: Path,
    *,
    tag: str,
    memory: int | None = None,
    pids: int = 256,
    seconds: float = 240,
    disk_bytes: int = 2 * 1024**3,
    dockerfile: str = "Dockerfile",
    buildargs: dict[str, str] | None = None,
    target: str | None = None,
) -> BuildResult:
    """Build `context/<dockerfile>` (only that folder as context, the default bridge network,
    `RUN` steps limited to `memory` bytes, one CPU, `pids` processes where the engine allows
    it, `seconds` of wall-clock time and `disk_bytes` written: `grader.containers.buildguard`);
    never raises for a student's mistake."""
    lines: list[str] = []
    params: dict[str, Any] = {
        "t": tag,
        "rm": True,
        "forcerm": True,
        "networkmode": "bridge",
        "cpuperiod": 100_000,
        "cpuquota": 100_000,
        "dockerfile": dockerfile,
    }
    if memory:
        params |= {"memory": memory, "memswap": memory}
    if buildargs:
        params["buildargs"] = json.dumps(buildargs)
    if target:
        params["target"] = target
    guard = Guard(client, pids=pids, seconds=seconds, disk_bytes=disk_bytes)
    try:
        with guard:
            if guard.cgroup_parent:
                params["cgroupparent"] = guard.cgroup_parent
            for chunk in _build_stream(client, context, params):
                if "stream" in chunk:
                    lines.append(chunk["stream"])
                if "error" in chunk:
                    lines.append(chunk["error"] + "\n")
                    error = guard.stopped or chunk["error"].strip()
                    return BuildResult(False, None, cap("".join(lines)), error, guard.unguarded)
    except docker.errors.APIError as error:
        message = str(error.explanation or error)
        return BuildResult(False, None, cap("".join(lines) + message), message, guard.unguarded)
    except requests.exceptions.ReadTimeout:
        return BuildResult(False, None, cap("".join(lines)), "timeout", guard.unguarded)
    return BuildResult(True, tag, cap("".join(lines)), unguarded=guard.unguarded)


def _build_stream(client: Client, context: Path, params: dict[str, Any]) -> Any:
    """POST /build as the SDK's `api.build` does (same context tarball, `.dockerignore`
    honoured), with the parameters the SDK does not pass (`cgroupparent`, `cpuquota`)."""
    ignore = context / ".dockerignore"
    exclude = None
    if ignore.is_file():
        lines = ignore.read_text(encoding="utf-8", errors="replace").splitlines()
        exclude = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    tarball = docker.utils.tar(str(context), exclude=exclude, dockerfile=(None, None))
    api = client.api
    try:
        response = api._post(
            api._url("/build"),
            data=tarball,
            params=params,
            headers={"Content-Type": "application/tar"},
            stream=True,
            timeout=None,
        )
        api._raise_for_status(response)
        yield from api._stream_helper(response, decode=True)
    finally:
        tarball.close()


@dataclass
class RunResult:
    exit_code: int | None  # None when the container could not start or timed out
    output: str
    error: str | None = None
    timed_out: bool = False
    oom: bool = False  # killed for going past its memory limit

    def problem(self) -> Hint | None:
        """Why the container did not run its command to the end, in the student's words
        (the engine's own, shortened); None when it ran (whatever its exit code)."""
        if self.oom:
            return container_errors.stopped(self.exit_code or 137, oom=True)
        if self.exit_code is None and not self.timed_out:
            return container_errors.refused(self.error or "")
        return container_errors.exec_failure(self.exit_code, self.output)


def run_container(
    client: Client,
    image: str,
    *,
    labels: dict[str, str],
    command: list[str] | None = None,
    entrypoint: list[str] | None = None,
    timeout: int = 30,
    **options: Any,
) -> RunResult:
    """Run a throw-away container to completion; it is always removed."""
    try:
        container = client.containers.create(
            image, command=command, entrypoint=entrypoint, labels=labels, detach=True, **options
        )
    except docker.errors.APIError as error:
        return RunResult(None, "", str(error.explanation or error))
    try:
        container.start()
        status = container.wait(timeout=timeout)
        output = container.logs(stdout=True, stderr=True).decode("utf-8", "replace")
        container.reload()
        oom = bool((container.attrs.get("State") or {}).get("OOMKilled"))
        return RunResult(int(status["StatusCode"]), cap(output), oom=oom)
    except docker.errors.APIError as error:
        return RunResult(None, "", str(error.explanation or error))
    except requests.exceptions.RequestException:  # wait() timed out
        output = container.logs().decode("utf-8", "replace")
        return RunResult(None, cap(output), f"timed out after {timeout} s", timed_out=True)
    finally:
        with contextlib.suppress(docker.errors.APIError):
            container.remove(force=True)


@dataclass
class Server:
    """A container started in the background with one container port published."""

    container: Any | None
    host_port: str | None
    error: str | None = None

    def logs(self) -> str:
        if self.container is None:
            return self.error or ""
        with contextlib.suppress(docker.errors.APIError):
            return cap(self.container.logs().decode("utf-8", "replace"))
        return ""

    def exit_code(self) -> int | None:
        """The container's exit code once it has stopped; None while it runs."""
        if self.container is None:
            return -1
        with contextlib.suppress(docker.errors.APIError):
            self.container.reload()
            if self.container.status in ("exited", "dead"):
                return int(self.container.attrs["State"].get("ExitCode", -1))
        return None

    def problem(self) -> Hint | None:
        """Why the server is not running, in the student's words; None while it runs."""
        if self.container is None:
            return container_errors.refused(self.error or "")
        code = self.exit_code()
        if code is None:
            return None
        oom = bool((self.container.attrs.get("State") or {}).get("OOMKilled"))
        return container_errors.stopped(code, oom=oom, logs=self.logs())

    def get(self, path: str = "/", *, deadline: float = 10.0) -> HttpResponse:
        """GET the published port, until it answers, the deadline, or the container stops."""
        if self.host_port is None:
            return HttpResponse(path, None, error=self.error)
        url = published_url(self.host_port, path)
        stop = time.monotonic() + deadline
        while True:
            response = probe(url, deadline=1.0)
            if response.status is not None or time.monotonic() > stop:
                return response
            code = self.exit_code()
            if code is not None:
                return HttpResponse(url, None, error=f"the container stopped, exit code {code}")

    def stop(self) -> None:
        if self.container is not None:
            with contextlib.suppress(docker.errors.APIError):
                self.container.remove(force=True, v=True)


def start_server(
    client: Client, image: str, *, port: int, labels: dict[str, str], **options: Any
) -> Server:
    """Start `image` detached, publishing container `port` on a free host port; never raises."""
    try:
        container = client.containers.run(
            image, detach=True, labels=labels, ports={f"{port}/tcp": None}, **options
        )
    except docker.errors.APIError as error:
        return Server(None, None, str(error.explanation or error))
    container.reload()
    host = next((h for c, h in published_ports(container) if c == str(port)), None)
    return Server(container, host, None if host else "the container is not running")


def published_ports(container: Any) -> list[tuple[str, str]]:
    """(container port, host port) for each port the engine publishes, e.g. ("80", "8082").

    The IPv4 binding is the one given when there is one: for an ephemeral port, Docker 20.10
    may pick different host ports for IPv4 and IPv6 (moby#42442), and the grader probes IPv4.
    """
    bindings = (container.attrs.get("NetworkSettings") or {}).get("Ports") or {}
    found = set()
    for port, hosts in bindings.items():
        listed = hosts or []
        ipv4 = [b for b in listed if ":" not in str(b.get("HostIp", ""))]
        found |= {(port.split("/")[0], b["HostPort"]) for b in ipv4 or listed}
    return sorted(found)


def sweep(client: Client, *, run_id: str | None = None, cache: bool = False) -> list[str]:
    """Remove every container, network, volume and image a grading run left behind.

    Without `run_id`: those of every run. With `cache`: the `grader-cache:*` tags too.
    """
    selector = {"label": [f"{LABEL_RUN}={run_id}" if run_id else LABEL_MANAGED]}
    removed: list[str] = []
    for container in client.containers.list(all=True, filters=selector):
        if from_kubelet(container.labels):  # a pod's: the cluster's clean-up removes it
            continue
        with contextlib.suppress(docker.errors.APIError):
            container.remove(force=True, v=True)
            removed.append(f"container {container.name}")
    for network in client.networks.list(filters=selector):
        with contextlib.suppress(docker.errors.APIError):
            network.remove()
            removed.append(f"network {network.name}")
    for volume in client.volumes.list(filters=selector):
        with contextlib.suppress(docker.errors.APIError):
            volume.remove(force=True)
            removed.append(f"volume {volume.name}")
    for tag in grader_images(client, run_id=run_id, cache=cache):
        with contextlib.suppress(docker.errors.APIError):
            client.images.remove(tag, force=True, noprune=True)
            removed.append(f"image {tag}")
    return removed


def grader_images(client: Client, *, run_id: str | None = None, cache: bool = False) -> list[str]:
    """Tags of images made by grading runs (of one run if given; cache tags only if asked)."""
    prefix = f"{IMAGE_PREFIX}{run_id}-" if run_id else IMAGE_PREFIX
    # the low-level listing: one request, where `client.images.list()` asks for every image
    tags = [t for i in client.api.images() for t in i.get("RepoTags") or () if t.startswith(prefix)]
    return [t for t in tags if cache or not t.startswith(CACHE_REPOSITORY + ":")]
