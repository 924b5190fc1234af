"""Checks of exercise 17: a web app counting its visits in Redis, scaled to three replicas
(seed 001 DOCKER-COMPOSE, its first example and « Passage à l'échelle »)."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pytest

from grader import authoring
from grader.authoring import (
    STANDINS,
    Client,
    Exercise,
    Hint,
    HttpResponse,
    NotAttempted,
    checks,
    compose,
    hint,
    published_ports,
    published_url,
    repository,
    tail,
)

PORT = "5000"  # the app's port in its container
REPLICAS = 3
_NUMBER = re.compile(r"\d+")
# Every key of the Redis database with its value (a counter is a string holding a number).
REDIS_VALUES = (
    "redis-cli --scan | head -n 100 | while read -r k; do "
    'printf "%s=%s\\n" "$k" "$(redis-cli GET "$k" 2>/dev/null)"; done'
)
Probe = Callable[..., HttpResponse]


@dataclass(frozen=True)
class Stack:
    web: str  # the service built from the folder
    web_spec: dict[str, Any]
    redis: str  # the service running the redis image
    names: frozenset[str]  # every name a service answers to on the stack's network


def _web(services: dict[str, Any]) -> str | None:
    return next((n for n, s in services.items() if s.get("build")), None)


def _redis(services: dict[str, Any]) -> str | None:
    return next((n for n, s in services.items() if repository(s.get("image", "")) == "redis"), None)


@pytest.fixture(scope="module")
def stack(valid_compose_config: dict[str, Any]) -> Stack:
    services = valid_compose_config.get("services") or {}
    web, redis = _web(services), _redis(services)
    if web is None or redis is None:
        raise NotAttempted(hint("ex17.services_missing_prerequisite"))
    return Stack(web, services[web], redis, frozenset(network_names(services)))


def network_names(services: dict[str, Any]) -> set[str]:
    """Service names, container names, host names and network aliases."""
    names = set(services)
    for spec in services.values():
        names |= {str(spec[k]) for k in ("container_name", "hostname") if spec.get(k)}
        networks = spec.get("networks")
        for network in networks.values() if isinstance(networks, dict) else []:
            names |= {str(a) for a in (network or {}).get("aliases") or []}
    return names


# --- talking to the running stack -----------------------------------------------------------


@dataclass(frozen=True)
class Visit:
    container: str  # the replica's name
    response: HttpResponse
    logs: str  # the replica's last log lines, read after the request

    @property
    def count(self) -> int | None:
        """The number the page shows (the first one), when it answers 200."""
        found = _NUMBER.search(self.response.text) if self.response.status == 200 else None
        return int(found.group()) if found else None


def running(client: Client, project: str, service: str) -> list[Any]:
    found = [
        c
        for c in compose.containers(client, project)
        if c.labels.get("com.docker.compose.service") == service
    ]
    return sorted((c for c in found if c.status == "running"), key=lambda c: str(c.name))


def visit(container: Any, probe: Probe, stack: Stack, *, deadline: float) -> Visit:
    """GET / on the host port the engine publishes for the replica's port 5000; a 500 is
    asked again once (the app may have raced Redis at its very first request)."""
    container.reload()
    ports = dict(published_ports(container))
    if PORT not in ports:
        response = HttpResponse("/", None, error=f"port {PORT} is not published")
    else:
        response = answer(container, probe, published_url(ports[PORT]), deadline=deadline)
        retry = response.status is not None and response.status >= 500
        if retry and not redis_out_of_reach(logs_of(container), stack):
            time.sleep(1)
            response = probe(published_url(ports[PORT]), deadline=deadline)
    return Visit(str(container.name), response, logs_of(container))


def visit_all(
    containers: list[Any], probe: Probe, stack: Stack, *, deadline: float
) -> tuple[Visit, ...]:
    """One visit of each container, side by side (each may wait for its app)."""
    with ThreadPoolExecutor(max_workers=max(1, len(containers))) as pool:
        return tuple(pool.map(lambda c: visit(c, probe, stack, deadline=deadline), containers))


def answer(container: Any, probe: Probe, url: str, *, deadline: float) -> HttpResponse:
    """Asked until it answers or `deadline` passes — unless the app says it listens on
    127.0.0.1 alone: then no answer can come from outside, and the wait ends there."""
    end = time.monotonic() + deadline
    while True:
        response = probe(url, deadline=max(0.5, min(3.0, end - time.monotonic())))
        if response.status is not None or time.monotonic() >= end:
            return response
        if listens_on_loopback_only(logs_of(container)):
            return response


def logs_of(container: Any) -> str:
    return str(container.logs(tail=40).decode("utf-8", "replace"))


def redis_values(client: Client, project: str, stack: Stack) -> dict[str, str]:
    """What the Redis database holds (key → value), read with redis-cli in its container."""
    container = compose.service_container(client, project, stack.redis)
    if container is None:
        return {}
    done = container.exec_run(["sh", "-c", REDIS_VALUES])
    lines = done.output.decode("utf-8", "replace").splitlines() if done.exit_code == 0 else []
    return dict(line.split("=", 1) for line in lines if "=" in line)


def listens_on_loopback_only(logs: str) -> bool:
    """Flask's development server says where it listens: 127.0.0.1 alone is unreachable from
    outside its container."""
    return "Running on http://127.0.0.1" in logs and "all addresses" not in logs


def no_answer_hint(visit: Visit) -> Hint:
    if listens_on_loopback_only(visit.logs):
        return hint("ex17.flask_localhost")
    return hint("ex17.no_answer", error=visit.response.error, details=tail(visit.logs, 15))


_REDIS_ERROR = re.compile(r"Error (-?\d+) connecting to ([^\s:]+):(\d+)")
_LOOPBACK = ("localhost", "127.0.0.1", "::1")


def redis_out_of_reach(logs: str, stack: Stack) -> bool:
    """The app looks for Redis in its own container, or by a name no service of the stack
    answers to: asking again cannot help."""
    error = _REDIS_ERROR.search(logs)
    if error is None:
        return False
    unknown_name = error.group(1) in ("-2", "-3") and error.group(2) not in stack.names
    return error.group(2) in _LOOPBACK or unknown_name


def counter_hint(visit: Visit, stack: Stack) -> Hint:
    """Why the page shows no count: the app cannot reach Redis (and by which name), or else."""
    error = _REDIS_ERROR.search(visit.logs)
    if error and error.group(2) in _LOOPBACK:
        return hint("ex17.redis_localhost", host=error.group(2), redis=stack.redis)
    if error:
        return hint(
            "ex17.redis_unreachable", host=error.group(2), port=error.group(3), redis=stack.redis
        )
    return hint(
        "ex17.counter_failed",
        status=visit.response.status,
        details=tail(visit.response.text[:1500] + "\n" + visit.logs, 15),
    )


@dataclass(frozen=True)
class Single:
    """Two visits of the one web container, and what Redis holds afterwards."""

    visits: tuple[Visit, ...]
    redis: dict[str, str]

    @property
    def counts(self) -> list[int | None]:
        return [v.count for v in self.visits]


@pytest.fixture(scope="module")
def single(
    running_stack: compose.Project,
    stack: Stack,
    docker_client: Client,
    http_probe: Probe,
    exercise: Exercise,
) -> Single:
    containers = running(docker_client, running_stack.name, stack.web)
    if not containers:
        raise NotAttempted(hint("ex17.web_not_running", web=stack.web))
    deadline = float(exercise.params["ready_seconds"])
    first = visit(containers[0], http_probe, stack, deadline=deadline)
    # A second visit only tells something when the first one showed a count.
    visits = (
        (first,)
        if first.count is None
        else (first, visit(containers[0], http_probe, stack, deadline=deadline))
    )
    return Single(visits, redis_values(docker_client, running_stack.name, stack))


@dataclass(frozen=True)
class Scaled:
    up: compose.CommandResult
    running: int  # web containers running after the scale
    replicas: tuple[Visit, ...]  # one visit of each, when the single container showed a count


@pytest.fixture(scope="module")
def scaled(
    running_stack: compose.Project,
    stack: Stack,
    single: Single,
    docker_client: Client,
    http_probe: Probe,
    exercise: Exercise,
) -> Scaled:
    """`docker compose up -d --scale web=3` (after the single container's visits)."""
    up = running_stack.scale(stack.web, REPLICAS, timeout=exercise.params["scale_seconds"])
    replicas = running(docker_client, running_stack.name, stack.web) if up.ok else []
    if single.visits[-1].count is None:  # nothing the replicas' pages could tell
        return Scaled(up, len(replicas), ())
    deadline = float(exercise.params["ready_seconds"])
    return Scaled(up, len(replicas), visit_all(replicas, http_probe, stack, deadline=deadline))


@dataclass(frozen=True)
class Back:
    up: compose.CommandResult
    running: int
    visit: Visit | None


@pytest.fixture(scope="module")
def scaled_back(
    running_stack: compose.Project,
    stack: Stack,
    scaled: Scaled,
    docker_client: Client,
    http_probe: Probe,
    exercise: Exercise,
) -> Back:
    """`docker compose up -d --scale web=1` (after the three replicas' visits)."""
    if not scaled.up.ok or scaled.running != REPLICAS:
        raise NotAttempted(hint("ex17.scaling_prerequisite", replicas=REPLICAS))
    up = running_stack.scale(stack.web, 1, timeout=exercise.params["scale_seconds"])
    left = running(docker_client, running_stack.name, stack.web) if up.ok else []
    deadline = float(exercise.params["ready_seconds"])
    one = visit(left[0], http_probe, stack, deadline=deadline) if len(left) == 1 else None
    return Back(up, len(left), one)


# --- the file -------------------------------------------------------------------------------


test_compose_file_is_present = authoring.test_compose_file_is_present
test_compose_file_is_valid = authoring.test_compose_file_is_valid
test_compose_gives_no_warning = authoring.test_compose_gives_no_warning
test_host_folders_stay_in_the_exercise = authoring.test_host_folders_stay_in_the_exercise


@pytest.mark.points(1)
def test_web_is_built_and_redis_is_a_service(valid_compose_config: dict[str, Any]) -> None:
    """Un service web construit depuis le dossier (build) et un service Redis
    en: A web service built from the folder (build) and a Redis service"""
    services = valid_compose_config.get("services") or {}
    names = ", ".join(services) or "—"
    assert _web(services), hint("ex17.no_build", found=names)
    images = ", ".join(compose.service_images(valid_compose_config)) or "—"
    assert _redis(services), hint("ex17.no_redis", found=images)


@pytest.mark.points(1)
def test_web_publishes_port_5000(valid_compose_config: dict[str, Any], stack: Stack) -> None:
    """Le service web publie le port 5000 de son conteneur
    en: The web service publishes its container's port 5000"""
    entries = [(h, t) for s, h, t in compose.ports(valid_compose_config) if s == stack.web]
    shown = ", ".join(f"{h}:{t}" if h else str(t) for h, t in entries) or "—"
    assert any(t == PORT for _, t in entries), hint("ex17.no_port", web=stack.web, found=shown)


@pytest.mark.practice
@pytest.mark.points(2)
def test_logs_are_on_a_named_volume(valid_compose_config: dict[str, Any], stack: Stack) -> None:
    """Les journaux de web sont sur un volume nommé
    en: The web service's logs are on a named volume"""
    mounts = compose.mounts(stack.web_spec)
    declared = valid_compose_config.get("volumes") or {}
    named = [m for m in mounts if m.get("type") == "volume" and m.get("source") in declared]
    binds = [m for m in mounts if m.get("type") == "bind" and "log" in str(m.get("target"))]
    assert named or not binds, hint(
        "ex17.log_bind_mount", target=binds[0].get("target") if binds else ""
    )
    assert named, hint("ex17.no_log_volume", web=stack.web)
    targets = [str(m.get("target", "")) for m in named]
    assert any("log" in t for t in targets), hint(
        "ex17.log_volume_elsewhere", found=", ".join(targets)
    )


@pytest.mark.practice
@pytest.mark.points(1)
def test_web_depends_on_redis(stack: Stack) -> None:
    """web dépend de redis (depends_on)
    en: web depends on redis (depends_on)"""
    assert stack.redis in (stack.web_spec.get("depends_on") or {}), hint(
        "ex17.no_depends_on", web=stack.web, redis=stack.redis
    )


# --- the running stack ----------------------------------------------------------------------


def alpine_excuse(up: compose.CommandResult, config: dict[str, Any]) -> Hint | None:
    """`common.standin_cannot_judge` when the build failed only because an Alpine base image
    (`python:3.7-alpine`, as in Docker's own tutorial) was played by a Debian stand-in, on
    which `apk` does not exist: not judged here."""
    if up.ok or not re.search(r"\bapk: (?:command )?not found", up.output):
        return None
    for ref in compose.build_base_images(config):
        if "alpine" in ref.lower() and repository(ref) in STANDINS:
            kind = STANDINS[repository(ref)][0]
            return hint(
                "common.standin_cannot_judge",
                tag=ref,
                named=f"{repository(ref)} on Alpine",
                standin=f"{kind} stand-in on Debian",
                reason=hint("common.standin_other_tool", tool="apk", distro="Alpine"),
                details=tail(up.output, 10),
            )
    return None


@pytest.mark.points(2)
def test_stack_builds_and_starts(
    compose_project: tuple[compose.Project, compose.CommandResult],
    valid_compose_config: dict[str, Any],
) -> None:
    """La stack se construit et démarre (docker compose up)
    en: The stack builds and starts (docker compose up)"""
    _, up = compose_project
    checks.assert_stack_allowed(up)
    excuse = alpine_excuse(up, valid_compose_config)
    if excuse is not None:
        raise NotAttempted(excuse)
    assert up.ok or "mount path must be absolute" not in up.output, hint(
        "ex17.relative_mount", details=tail(up.output, 3)
    )
    checks.assert_stack_started(up, "ex17.stack_failed")


@pytest.mark.points(2)
def test_web_answers_on_port_5000(single: Single) -> None:
    """L'application web répond sur son port 5000 publié
    en: The web app answers on its published port 5000"""
    first = single.visits[0]
    assert first.response.status is not None, no_answer_hint(first)


@pytest.mark.points(3)
def test_counter_increases_through_redis(single: Single, stack: Stack) -> None:
    """Le compteur de visites augmente : web joint Redis par son nom de service
    en: The visit counter increases: web reaches Redis by its service name"""
    first = single.visits[0]
    if first.response.status is None:
        raise NotAttempted(hint("ex17.no_answer_prerequisite"))
    for one in single.visits:
        assert one.count is not None, counter_hint(one, stack)
    before, after = single.counts
    assert before is not None and after is not None and after > before, hint(
        "ex17.counter_not_increasing", first=before, second=after
    )
    stored = [k for k, v in single.redis.items() if v.strip() == str(after)]
    assert stored, hint("ex17.counter_not_in_redis", count=after, redis=stack.redis)


@pytest.mark.points(3)
def test_scaling_to_three_replicas(scaled: Scaled, stack: Stack) -> None:
    """docker compose up --scale web=3 démarre trois conteneurs web
    en: docker compose up --scale web=3 starts three web containers"""
    name = stack.web_spec.get("container_name")
    assert scaled.up.ok or not name, hint("ex17.container_name", web=stack.web, name=name)
    allocated = re.search(
        r"Bind for [^ ]*:(\d+) failed: port is already allocated", scaled.up.output
    )
    assert allocated is None, hint(
        "ex17.port_collision", port=allocated.group(1) if allocated else ""
    )
    assert scaled.up.ok, hint("ex17.scale_failed", details=tail(scaled.up.output, 10))
    assert scaled.running == REPLICAS, hint(
        "ex17.replicas_not_running", replicas=REPLICAS, found=scaled.running
    )


@pytest.mark.points(3)
def test_replicas_share_the_counter(single: Single, scaled: Scaled, stack: Stack) -> None:
    """Les trois répliques répondent et partagent le même compteur
    en: The three replicas answer and share the same counter"""
    if single.visits[-1].count is None:
        raise NotAttempted(hint("ex17.counter_prerequisite"))
    if not scaled.up.ok or scaled.running != REPLICAS:
        raise NotAttempted(hint("ex17.scaling_prerequisite", replicas=REPLICAS))
    for replica in scaled.replicas:
        assert replica.response.status is not None, no_answer_hint(replica)
        assert replica.count is not None, counter_hint(replica, stack)
    counts = [int(r.count or 0) for r in scaled.replicas]
    last = int(single.visits[-1].count)
    assert len(set(counts)) == REPLICAS and min(counts) > last, hint(
        "ex17.counter_not_shared",
        last=last,
        found=", ".join(f"{r.container}: {r.count}" for r in scaled.replicas),
    )


@pytest.mark.points(2)
def test_scaling_back_to_one(scaled_back: Back, single: Single, stack: Stack) -> None:
    """docker compose up --scale web=1 revient à un seul conteneur web, qui répond
    en: docker compose up --scale web=1 goes back to one web container, which answers"""
    if scaled_back.visit is not None and single.visits[0].response.status is None:
        raise NotAttempted(hint("ex17.no_answer_prerequisite"))
    assert scaled_back.up.ok, hint("ex17.scale_failed", details=tail(scaled_back.up.output, 10))
    assert scaled_back.running == 1, hint(
        "ex17.scale_down_count", web=stack.web, found=scaled_back.running
    )
    assert scaled_back.visit is not None
    assert scaled_back.visit.response.status is not None, no_answer_hint(scaled_back.visit)
