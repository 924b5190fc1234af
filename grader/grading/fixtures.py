"""Fixtures the plugin gives to checks: the submission, its image, its compose project, HTTP.

Each prerequisite comes in two forms: a *result* fixture that never raises (for the check
that grades the prerequisite itself) and a *value* fixture that raises `NotAttempted` when
the prerequisite failed (for the checks that depend on it).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import docker.errors
import pytest
import yaml

from grader.containers import compose, compose_subset, docker_run, images, limits, ports
from grader.containers.engine import (
    CACHE_REPOSITORY,
    BuildResult,
    Client,
    RunResult,
    Server,
    build_image,
    run_container,
    start_server,
)
from grader.containers.http import HttpResponse, probe
from grader.containers.policy import compose_violations
from grader.grading.checks import find_dockerfile
from grader.grading.plugin import SESSION
from grader.grading.provenance import tree_digest
from grader.grading.session import GradingSession
from grader.grading.started import never_an_answer
from grader.grading.submission import Submission, snapshot
from grader.model.catalogue import Exercise
from grader.model.hints import hint
from grader.model.outcomes import NotAttempted
from grader.model.policy import refusal


@pytest.fixture(scope="session")
def grading(request: pytest.FixtureRequest) -> GradingSession:
    return request.config.stash[SESSION]


@pytest.fixture(scope="module")
def exercise(request: pytest.FixtureRequest, grading: GradingSession) -> Exercise:
    found = grading.exercise_of(request.path)
    assert found is not None, f"{request.path} is not a check module of an exercise graded"
    return found


@pytest.fixture(scope="module")
def submission(grading: GradingSession, exercise: Exercise) -> Submission:
    """The private snapshot every check reads, digested as it is taken: the digest says what
    was graded (size caps and symlinks applied), not what the folder holds afterwards."""
    found = snapshot(
        grading.root / exercise.submission,
        grading.workdir / exercise.id,
        leave_out=lambda name, path: never_an_answer(exercise, name, path),
    )
    if found.exists:
        grading.result_for(exercise).tree_digest = tree_digest(found.folder)
    return found


@pytest.fixture(scope="session")
def docker_client(grading: GradingSession) -> Client:
    return grading.client()


@pytest.fixture(scope="module")
def dockerfile(submission: Submission) -> Path:
    found = find_dockerfile(submission)
    if found is None:
        raise NotAttempted(
            hint("common.no_dockerfile", file="Dockerfile", folder=submission.source)
        )
    return found


@pytest.fixture(scope="module")
def image_build(
    dockerfile: Path, docker_client: Client, grading: GradingSession, exercise: Exercise
) -> Iterator[BuildResult]:
    """The build of the submission's Dockerfile, its base images made available first
    (offline stand-ins where no registry answers). A build that fails only because a
    stand-in is not the image named (an Ubuntu package version on Debian…) raises
    `NotAttempted(common.standin_cannot_judge)`: it is not judged here."""
    standins: list[images.Standin] = []
    bases = images.base_images(dockerfile.read_text(encoding="utf-8", errors="replace"))
    for ref in bases:
        standin = images.ensure_standin(docker_client, ref)
        if standin:
            grading.note_standin(exercise, ref, standin.describe())
            standins.append(standin)
    tag = f"{grading.resource_name(exercise)}:latest"
    options = limits.for_params(exercise.params).build_options()
    result = build_image(
        docker_client, dockerfile.parent, tag=tag, dockerfile=dockerfile.name, **options
    )
    if result.unguarded:
        grading.note(exercise, hint("common.build_unguarded", reason=result.unguarded))
    if result.ok:
        docker_client.images.get(tag).tag(CACHE_REPOSITORY, exercise.id)
    else:
        _judge_offline(result, bases, standins, docker_client, grading.labels(exercise))
    yield result
    if result.ok:
        with contextlib.suppress(docker.errors.APIError):
            docker_client.images.remove(tag, force=True, noprune=True)


def _judge_offline(
    build: BuildResult,
    bases: list[str],
    standins: list[images.Standin],
    client: Client,
    labels: dict[str, str],
) -> None:
    """Raise `NotAttempted` when the failed `build` may be the stand-ins' doing, or when a base
    image cannot be pulled here (no registry) and has no stand-in."""
    offline = images.offline_missing(client, bases)
    if offline is not None:
        raise NotAttempted(offline)

    def packages(standin: images.Standin, prefix: str) -> set[str] | None:
        return images.package_names(client, standin, prefix, labels=labels)

    excuse = images.standin_excuse(build, standins, packages=packages)
    if excuse is not None:
        raise NotAttempted(excuse)


@pytest.fixture(scope="module")
def image(image_build: BuildResult) -> str:
    if not image_build.ok or image_build.image is None:
        raise NotAttempted(hint("common.image_not_built"))
    return image_build.image


@pytest.fixture(scope="module")
def run_in_image(
    docker_client: Client, image: str, grading: GradingSession, exercise: Exercise
) -> Callable[..., RunResult]:
    """Run a throw-away container from the submission's image (with resource limits)."""

    def run(
        command: list[str] | None = None, *, entrypoint: list[str] | None = None, timeout: int = 30
    ) -> RunResult:
        return run_container(
            docker_client,
            image,
            labels=grading.labels(exercise),
            command=command,
            entrypoint=entrypoint,
            timeout=timeout,
            network_disabled=True,
            **limits.for_params(exercise.params).run_options(),
        )

    return run


@pytest.fixture(scope="module")
def serve_image(
    docker_client: Client, image: str, grading: GradingSession, exercise: Exercise
) -> Iterator[Callable[[int], Server]]:
    """Start the submission's image in the background, publishing one port (removed after)."""
    started: list[Server] = []

    def serve(port: int) -> Server:
        server = start_server(
            docker_client,
            image,
            port=port,
            labels=grading.labels(exercise),
            **limits.for_params(exercise.params).run_options(),
        )
        started.append(server)
        return server

    yield serve
    for server in started:
        server.stop()


@dataclass(frozen=True)
class ComposeSource:
    """Where the stack of a Compose exercise comes from: the student's Compose file or, where
    the statement's answer is one container (`run_commands: true`), the `docker run` commands
    of the folder translated into one (`grader.containers.docker_run`)."""

    file: Path | None
    translation: docker_run.Translation | None = None


RUN_FILE = ".grader-docker-run.compose.yaml"  # the translation, written in the snapshot


@pytest.fixture(scope="module")
def compose_source(submission: Submission, exercise: Exercise) -> ComposeSource:
    found = compose.find_file(submission.folder)
    if found is not None or not exercise.params.get("run_commands") or not submission.exists:
        return ComposeSource(found)
    translation = docker_run.from_folder(submission.folder)
    if translation is None or translation.empty:
        return ComposeSource(None, translation)
    file = submission.folder / RUN_FILE
    file.write_text(yaml.safe_dump(translation.compose, sort_keys=False), encoding="utf-8")
    return ComposeSource(file, translation)


@pytest.fixture(scope="module")
def compose_file(compose_source: ComposeSource, submission: Submission) -> Path:
    if compose_source.file is None:
        raise NotAttempted(hint("common.no_compose_file", folder=submission.source))
    return compose_source.file


@pytest.fixture(scope="module")
def compose_config(
    compose_file: Path, grading: GradingSession, exercise: Exercise
) -> compose.Config:
    """The student's compose file, normalised by `docker compose config` (never raises)."""
    return compose.load(compose_file, project=grading.resource_name(exercise))


@pytest.fixture(scope="module")
def valid_compose_config(compose_config: compose.Config) -> dict[str, object]:
    if not compose_config.ok:
        raise NotAttempted(hint("common.compose_invalid_prerequisite"))
    return compose_config.data


@pytest.fixture(scope="module")
def compose_project(
    valid_compose_config: dict[str, object],
    compose_file: Path,
    docker_client: Client,
    grading: GradingSession,
    exercise: Exercise,
) -> Iterator[tuple[compose.Project, compose.CommandResult]]:
    """The student's stack, started under a unique project name; always torn down.

    The host ports it publishes are locked for as long as it runs (`grader.containers.ports`), so
    that parallel gradings on one engine take turns on 8082 and the like; an exercise whose checks
    read the port from the container instead (`ephemeral_ports: true`) lets the engine choose.
    A stack the policy refuses (privileged, host namespaces, host paths outside its folder,
    the Docker socket…) is never started: `up` is then a failed result carrying the reason.
    """
    violations = compose_violations(valid_compose_config, compose_file.parent)
    bases = compose.build_base_images(valid_compose_config) if not violations else []
    refs = [*compose.service_images(valid_compose_config), *bases]
    for ref in refs:
        kind = images.ensure(docker_client, ref)
        if kind:
            grading.note_standin(exercise, ref, kind)
    runnable = _runnable_part(valid_compose_config, docker_client, grading, exercise)
    ephemeral = bool(exercise.params.get("ephemeral_ports"))
    name = grading.resource_name(exercise)
    caps = limits.for_params(exercise.params)
    built: dict[str, str] = {}
    failed = None
    if not violations:
        built, failed = _build_services(
            valid_compose_config, name, caps, docker_client, grading, exercise
        )
    if failed is not None:
        failed.not_judged = images.offline_missing(docker_client, refs)
    project = compose.prepare(
        runnable,
        name=name,
        folder=compose_file.parent,
        labels=grading.labels(exercise),
        limits=caps,
        ephemeral_ports=ephemeral,
        scratch=grading.workdir / "host" / exercise.id,
        built=built,
    )
    refused = refusal(violations)
    if refused is not None or failed is not None:
        yield project, failed or compose.CommandResult(False, "", refused=refused)
        _remove_images(docker_client, built.values())
        return
    published = [] if ephemeral else [h for _, h, _ in compose.ports(valid_compose_config) if h]
    try:
        with ports.held(published, timeout=exercise.timeout / 2):
            try:
                up = project.up(timeout=exercise.timeout)
                if not up.ok:
                    up.not_judged = images.offline_missing(docker_client, refs)
                yield project, up
            finally:
                project.down()
                _remove_images(docker_client, built.values())
    except ports.PortBusy as busy:
        yield (
            project,
            compose.CommandResult(False, "", refused=hint("common.port_busy", port=busy.port)),
        )


def _runnable_part(
    config: dict[str, object], client: Client, grading: GradingSession, exercise: Exercise
) -> dict[str, object]:
    """The stack less the services whose image cannot be had here (offline, no stand-in) and
    that no other service needs: each one left out is said in a note
    (`grader.containers.compose_subset`)."""
    services: dict[str, dict[str, object]] = dict(config.get("services") or {})  # type: ignore[call-overload]
    missing = {
        name: str(spec["image"])
        for name, spec in services.items()
        if spec.get("image")
        and not spec.get("build")
        and images.offline_missing(client, [str(spec["image"])]) is not None
    }
    left = compose_subset.left_out(config, set(missing))
    for service in sorted(left):
        grading.note(
            exercise, hint("common.service_left_out", service=service, image=missing[service])
        )
    return compose_subset.without(config, left) if left else config


def _build_services(
    config: dict[str, object],
    name: str,
    caps: limits.Limits,
    client: Client,
    grading: GradingSession,
    exercise: Exercise,
) -> tuple[dict[str, str], compose.CommandResult | None]:
    """Build the stack's `build:` services with the grader's own guarded build (the limits of
    an exercise's Dockerfile: processes, memory, time, disk), before Compose starts the stack
    with those images; returns service → image, and the failed build as a failed `up` (its
    output for the hints), if one failed. A `build:` the guarded build cannot do is left to
    Compose, and the report says it was built without those limits."""
    guarded, left = compose.builds(config)
    if left:
        reason = f"Compose builds {', '.join(left)} itself (its build: asks for more)"
        grading.note(exercise, hint("common.build_unguarded", reason=reason))
    options = caps.build_options()
    built: dict[str, str] = {}
    for build in guarded:
        tag = f"{name}-{build.service}".lower() + ":latest"
        result = build_image(
            client,
            build.context,
            tag=tag,
            dockerfile=build.dockerfile,
            buildargs=build.args,
            target=build.target,
            **options,
        )
        if result.unguarded:
            grading.note(exercise, hint("common.build_unguarded", reason=result.unguarded))
        if not result.ok:
            output = "\n".join(p for p in (result.log, result.error or "") if p)
            return built, compose.CommandResult(False, output, stderr=output)
        built[build.service] = tag
    return built, None


def _remove_images(client: Client, tags: Iterable[str]) -> None:
    for tag in tags:
        with contextlib.suppress(docker.errors.APIError):
            client.images.remove(tag, force=True)


@pytest.fixture(scope="module")
def running_stack(
    compose_project: tuple[compose.Project, compose.CommandResult],
) -> compose.Project:
    project, up = compose_project
    if not up.ok:
        raise NotAttempted(up.not_judged or hint("common.stack_not_started"))
    return project


@pytest.fixture(scope="session")
def http_probe() -> Callable[..., HttpResponse]:
    return probe
