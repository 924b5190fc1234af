"""Checks of exercise 16: build one's own image, tag it with a precise version and publish it
(seed 000 J3 « quête secondaire : construire ma propre image et la publier », seed 003
« tagguer / publier »).

Files mode: the commands of `ex16/publish.sh` (or of a code block of `ex16/README.md`, of
scripts run one after the other, or of the repository's `.gitlab-ci.yml` job that builds
`ex16/`) are read, never executed; the grader replays them itself against a local registry
standing for the course's (`grader.authoring.replay`), with the image it built from
`ex16/Dockerfile`, then reads the registry: what is there, under which tags, and whether it is
that image. Live mode: the
image the student's own engine pushed to the registry named by `GRADER_REGISTRY` (or GitLab's
`CI_REGISTRY_IMAGE`).
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator
from pathlib import Path

import docker.errors
import pytest

from grader.authoring import (
    DOCKERFILE_NAMES,
    BuildResult,
    Client,
    Exercise,
    GradingSession,
    NotAttempted,
    RunResult,
    Submission,
    assert_present,
    base_images,
    build_hint,
    declared,
    hint,
    publish,
    references,
    registry,
    replay,
    run_container,
    tail,
)

VERSION = re.compile(r"(?=.*\d)[\w][\w.-]*")  # a version names a number: 1, 1.0, v2.3.1, 2024-06
COMPLETE = re.compile(r"v?\d+\.\d+\.\d+(?:[-+.][\w.-]+)?|[0-9a-f]{7,40}")  # 8.0.19, or a commit


# The hint of each problem `grader.authoring.replay` finds (`replay.PROBLEMS`).
PROBLEM_KEYS = (
    "ex16.problem_unreadable",
    "ex16.problem_substitution",
    "ex16.problem_undefined_variable",
    "ex16.problem_invalid_reference",
    "ex16.problem_unknown_source",
    "ex16.problem_no_local_tag",
    "ex16.problem_push_failed",
)


def is_version(tag: str) -> bool:
    return tag != "latest" and bool(VERSION.fullmatch(tag))


def course_registry(exercise: Exercise) -> str:
    return str(exercise.params.get("registry", "registry.gitlab.com"))


def image_name(exercise: Exercise) -> str:
    return str(exercise.params.get("repository", "cowsay"))


def project_image(exercise: Exercise) -> str:
    """The path of `$CI_REGISTRY_IMAGE` (the job's, else the example project's)."""
    variables = publish.course_variables(course_registry(exercise))
    return variables["CI_REGISTRY_IMAGE"].split("/", 1)[-1]


def in_a_project(path: str) -> bool:
    """Under a group and a project (any name, any depth, as GitLab allows), not a bare name:
    where the course's registry keeps images."""
    return "/" in path


def is_expected(path: str, exercise: Exercise) -> bool:
    """`<group>/<project>/cowsay` (any namespace, as GitLab allows), not a bare `cowsay`; or
    the project's own image, GitLab's convention: `$CI_REGISTRY_IMAGE` (`<group>/<project>`).
    The statement's name, not the exercise's subject (issue 23, item 5): good practice."""
    if "/" in path and path.rsplit("/", 1)[1] == image_name(exercise):
        return True
    return path == project_image(exercise) or path.count("/") == 1


def shows_the_cow(run: RunResult) -> bool:
    return run.exit_code == 0 and "(oo)" in run.output and "^__^" in run.output


# --- files mode: the commands, replayed against a local registry ------------------------------


@pytest.fixture(scope="module")
def course_hosts(exercise: Exercise) -> list[str]:
    return [course_registry(exercise)] + [h for h in [os.environ.get("CI_REGISTRY")] if h]


@pytest.fixture(scope="module")
def plan(submission: Submission, exercise: Exercise, grading: GradingSession) -> publish.Plan:
    """The folder's commands; else the jobs of the repository's `.gitlab-ci.yml` that build it
    (read as text from the student's repository, outside the snapshot: never through a symlink,
    size-capped)."""
    if not submission.exists:
        raise NotAttempted(hint("common.no_submission", folder=submission.source))
    variables = publish.course_variables(course_registry(exercise))
    return publish.read_plan(
        submission.folder, variables=variables, root=grading.root, inside=exercise.submission
    )


def scripts_named(plan: publish.Plan) -> str:
    return ", ".join(f"`{name}`" for name in plan.ambiguous)


@pytest.fixture(scope="module")
def pushing_plan(plan: publish.Plan) -> publish.Plan:
    if plan.ambiguous:
        raise NotAttempted(hint("ex16.ambiguous_prerequisite", scripts=scripts_named(plan)))
    if not plan.pushes:
        raise NotAttempted(hint("ex16.no_push_prerequisite"))
    return plan


@pytest.fixture(scope="module")
def local_registry() -> Iterator[registry.LocalRegistry]:
    started = registry.LocalRegistry()
    try:
        started.__enter__()
    except registry.RegistryError as error:
        raise NotAttempted(hint("common.no_registry", reason=str(error))) from None
    try:
        yield started
    finally:
        started.__exit__(None, None, None)


@pytest.fixture(scope="module")
def replayed(
    pushing_plan: publish.Plan,
    image: str,
    dockerfile: Path,
    docker_client: Client,
    local_registry: registry.LocalRegistry,
    course_hosts: list[str],
    grading: GradingSession,
    exercise: Exercise,
) -> Iterator[replay.Replay]:
    """The commands played by the grader; the tags it made are removed afterwards."""
    bases = {}
    for ref in base_images(dockerfile.read_text(encoding="utf-8", errors="replace")):
        found = references.key(ref)
        if found is not None and docker_client.images.list(name=ref):
            bases[found] = docker_client.images.get(ref).id
    result = replay.replay(
        pushing_plan,
        client=docker_client,
        built=docker_client.images.get(image).id,
        registry=local_registry.host,
        course_hosts=course_hosts,
        bases=bases,
    )
    note = hint(
        "ex16.replayed",
        file=pushing_plan.file,
        registry=", ".join(course_hosts),
        local=local_registry.host,
    )
    grading.note(exercise, note)
    try:
        yield result
    finally:
        result.clean(docker_client)


@pytest.fixture(scope="module")
def published(
    replayed: replay.Replay, local_registry: registry.LocalRegistry, exercise: Exercise
) -> tuple[str, list[str]]:
    """(repository path, its tags in the registry) of the expected repository pushed."""
    client = local_registry.client()
    paths = list(dict.fromkeys(p.reference.path for p in replayed.pushed))
    for path in sorted(paths, key=lambda p: not is_expected(p, exercise)):  # the statement's first
        tags = client.tags(path) if in_a_project(path) else []
        if tags:
            return path, tags
    raise NotAttempted(hint("ex16.not_published_prerequisite"))


@pytest.fixture(scope="module")
def version_tag(published: tuple[str, list[str]]) -> str:
    tags = [t for t in published[1] if is_version(t)]
    if not tags:
        raise NotAttempted(hint("ex16.no_version_prerequisite", tags=", ".join(published[1])))
    return max(tags, key=lambda t: (bool(COMPLETE.fullmatch(t)), len(t)))


@pytest.fixture(scope="module")
def manifest(
    published: tuple[str, list[str]], local_registry: registry.LocalRegistry
) -> registry.Manifest:
    path, tags = published
    tag = next((t for t in tags if is_version(t)), tags[0])
    found = local_registry.client().manifest(path, tag)
    if found is None:
        raise NotAttempted(hint("ex16.not_published_prerequisite"))
    return found


@pytest.mark.points(1)
def test_dockerfile_is_present(submission: Submission) -> None:
    """Le fichier ex16/Dockerfile existe
    en: The file ex16/Dockerfile exists"""
    assert_present(submission, *DOCKERFILE_NAMES, key="common.no_dockerfile")


@pytest.mark.points(1)
def test_publish_commands_are_present(plan: publish.Plan) -> None:
    """Les commandes de publication sont écrites (publish.sh ou README.md)
    en: The publishing commands are written down (publish.sh or README.md)"""
    assert plan.steps, hint("ex16.no_commands")
    assert not plan.ambiguous, hint("ex16.ambiguous_order", scripts=scripts_named(plan))
    assert plan.pushes, hint("ex16.no_push", file=plan.file)


@pytest.mark.points(1)
def test_image_builds(image_build: BuildResult, dockerfile: Path) -> None:
    """L'image se construit (docker build)
    en: The image builds (docker build)"""
    assert image_build.ok, build_hint(image_build, dockerfile)


@pytest.mark.points(2)
def test_commands_build_tag_and_push_without_error(replayed: replay.Replay) -> None:
    """Les commandes construisent, taguent et poussent sans erreur
    en: The commands build, tag and push without error"""
    problem = replayed.problems[0] if replayed.problems else None
    assert problem is None, hint(
        declared(f"ex16.problem_{problem.key}", PROBLEM_KEYS),
        where=problem.step.where,
        detail=problem.detail,
    )


@pytest.mark.points(1)
def test_image_is_in_the_course_registry(
    replayed: replay.Replay, local_registry: registry.LocalRegistry, exercise: Exercise
) -> None:
    """L'image est dans le registre du cours, sous votre groupe et votre projet
    en: The image is in the course's registry, under your group and project"""
    expected = f"{course_registry(exercise)}/<groupe>/<projet>/{image_name(exercise)}"
    client = local_registry.client()
    pushed = list(dict.fromkeys(p.reference.path for p in replayed.pushed))
    if not pushed and replayed.elsewhere:
        ref = replayed.elsewhere[0][1]
        key = "ex16.pushed_to_docker_hub" if ref.on_docker_hub else "ex16.pushed_elsewhere"
        raise AssertionError(hint(key, found=ref.familiar(), expected=expected))
    assert pushed, hint("ex16.nothing_pushed", expected=expected)
    found = [p for p in pushed if in_a_project(p) and client.tags(p)]
    domain = replayed.pushed[0].reference.domain
    names = ", ".join(f"{domain}/{p}" for p in pushed)
    assert found, hint("ex16.wrong_repository", expected=expected, found=names)


@pytest.mark.practice
@pytest.mark.points(1)
def test_image_is_named_cowsay_as_in_the_statement(
    published: tuple[str, list[str]], exercise: Exercise
) -> None:
    """L'image s'appelle …/cowsay (ou $CI_REGISTRY_IMAGE), comme dans l'énoncé
    en: The image is named …/cowsay (or $CI_REGISTRY_IMAGE), as in the statement"""
    path = published[0]
    assert is_expected(path, exercise), hint(
        "ex16.not_named_as_in_the_statement",
        found=f"{course_registry(exercise)}/{path}",
        expected=f"{course_registry(exercise)}/<groupe>/<projet>/{image_name(exercise)}",
    )


@pytest.mark.points(2)
def test_a_version_tag_is_in_the_registry(
    published: tuple[str, list[str]], replayed: replay.Replay
) -> None:
    """Une version précise est publiée (un tag comme 1.0.0, pas seulement latest)
    en: A precise version is published (a tag such as 1.0.0, not only latest)"""
    path, tags = published
    if any(is_version(t) for t in tags):
        return
    student = next(p.reference for p in replayed.pushed if p.reference.path == path)
    local = [t for t in replayed.tags_of(student.repository) if is_version(t)]
    assert not local, hint(
        "ex16.tag_not_pushed", tag=local[0] if local else "", image=student.repository
    )
    raise AssertionError(hint("ex16.only_latest", tags=", ".join(tags), image=student.repository))


@pytest.mark.points(1)
def test_pushed_image_is_the_one_built_from_the_dockerfile(
    manifest: registry.Manifest,
    replayed: replay.Replay,
    published: tuple[str, list[str]],
    local_registry: registry.LocalRegistry,
) -> None:
    """L'image publiée est celle construite depuis votre Dockerfile
    en: The image published is the one built from your Dockerfile"""
    assert manifest.config == replayed.built, hint(
        "ex16.not_the_built_image", found=manifest.config[:19]
    )
    client = local_registry.client()
    missing = [d for d in manifest.layers if not client.has_blob(published[0], d)]
    assert not missing, hint("ex16.layers_missing", count=len(missing))


@pytest.mark.points(2)
def test_image_pulled_back_shows_the_cow(
    manifest: registry.Manifest,
    published: tuple[str, list[str]],
    local_registry: registry.LocalRegistry,
    docker_client: Client,
    grading: GradingSession,
    exercise: Exercise,
    replayed: replay.Replay,
) -> None:
    """Tirée du registre par son digest, l'image affiche la vache
    en: Pulled from the registry by its digest, the image shows the cow"""
    replayed.clean(docker_client)  # the pull must come from the registry, not a local tag
    pulled = f"{local_registry.host}/{published[0]}@{manifest.digest}"
    run = pull_and_run(docker_client, pulled, grading=grading, exercise=exercise)
    assert run.problem() is None, run.problem()
    assert shows_the_cow(run), hint(
        "ex16.no_cow", image=pulled.split("@")[0], details=tail(run.output or run.error or "")
    )


def pull_and_run(
    client: Client,
    ref: str,
    *,
    grading: GradingSession,
    exercise: Exercise,
    auth: dict[str, str] | None = None,
) -> RunResult:
    """Pull `ref` into a name of the grader's own (removed after) and run its default command."""
    clean = f"{grading.resource_name(exercise)}-pulled:latest"
    repository, digest = ref.split("@", 1)
    try:
        image = client.images.pull(repository, tag=digest, auth_config=auth)
    except docker.errors.APIError as error:  # the engine's refusal is the student's hint
        return RunResult(None, "", f"docker pull {ref}: {error.explanation or error}")
    image.tag(clean)
    try:
        return run_container(
            client, clean, labels=grading.labels(exercise), timeout=30, network_disabled=True
        )
    finally:
        for name in (clean, ref):
            with contextlib.suppress(docker.errors.APIError):
                client.images.remove(name, noprune=True)


@pytest.mark.practice
@pytest.mark.points(1)
def test_version_tag_is_complete(version_tag: str) -> None:
    """Le tag donne la version complète (comme 8.0.19 dans le cours), ou le commit
    en: The tag gives the full version (like 8.0.19 in the course), or the commit"""
    assert COMPLETE.fullmatch(version_tag), hint("ex16.incomplete_version", tag=version_tag)


@pytest.mark.practice
@pytest.mark.points(1)
def test_no_password_written_in_the_commands(plan: publish.Plan) -> None:
    """Aucun mot de passe écrit en clair dans les commandes (docker login)
    en: No password written in clear in the commands (docker login)"""
    written = [s for s in plan.steps if s.kind == "login" and s.literal_password]
    assert not written, hint("ex16.password_in_file", where=written[0].where if written else "")


# --- live mode: what the student's own engine pushed -------------------------------------------


def live_repositories(exercise: Exercise) -> list[str]:
    """Where the image may be, in order: `<host>[/<namespace>]/cowsay` (the statement's name),
    then the project's own image (`$CI_REGISTRY_IMAGE` itself, GitLab's convention), under
    GRADER_REGISTRY, else GitLab's CI_REGISTRY_IMAGE."""
    prefix = os.environ.get("GRADER_REGISTRY") or os.environ.get("CI_REGISTRY_IMAGE") or ""
    prefix = re.sub(r"^\w+://", "", prefix).rstrip("/")
    if not prefix:
        raise NotAttempted(hint("common.no_registry", reason="GRADER_REGISTRY"))
    named = f"{prefix}/{image_name(exercise)}"
    return [named, prefix] if "/" in prefix else [named]


def credentials() -> tuple[str | None, str | None]:
    env = os.environ
    if env.get("GRADER_REGISTRY_PASSWORD"):
        return env.get("GRADER_REGISTRY_USER"), env["GRADER_REGISTRY_PASSWORD"]
    if env.get("CI_REGISTRY_PASSWORD"):
        return env.get("CI_REGISTRY_USER"), env["CI_REGISTRY_PASSWORD"]
    if env.get("CI_JOB_TOKEN"):
        return "gitlab-ci-token", env["CI_JOB_TOKEN"]
    return None, None


@pytest.fixture(scope="module")
def live_published(exercise: Exercise) -> tuple[registry.RegistryClient, str, list[str]]:
    """The first of `live_repositories` that has tags (else the first, with none)."""
    found: list[tuple[registry.RegistryClient, str, list[str]]] = []
    user, password = credentials()
    for repository in live_repositories(exercise):
        host, path = repository.split("/", 1)
        client = registry.RegistryClient(host, username=user, password=password)
        try:
            found.append((client, path, client.tags(path)))
        except registry.RegistryError as error:
            if not found:
                raise NotAttempted(hint("common.no_registry", reason=str(error))) from None
        if found[-1][2]:
            return found[-1]
    return found[0]


@pytest.mark.live
@pytest.mark.points(5)
def test_live_version_tag_is_in_the_registry(
    live_published: tuple[registry.RegistryClient, str, list[str]],
) -> None:
    """Une version précise de l'image est dans votre registre
    en: A precise version of the image is in your registry"""
    client, path, tags = live_published
    image = f"{client.host}/{path}"
    assert tags, hint("ex16.live_not_published", image=image)
    assert any(is_version(t) for t in tags), hint(
        "ex16.only_latest", tags=", ".join(tags), image=image
    )


@pytest.mark.live
@pytest.mark.points(5)
def test_live_image_pulled_back_shows_the_cow(
    live_published: tuple[registry.RegistryClient, str, list[str]],
    docker_client: Client,
    grading: GradingSession,
    exercise: Exercise,
) -> None:
    """Tirée de votre registre par son digest, l'image affiche la vache
    en: Pulled from your registry by its digest, the image shows the cow"""
    client, path, tags = live_published
    if not tags:
        raise NotAttempted(hint("ex16.not_published_prerequisite"))
    tag = next((t for t in tags if is_version(t)), tags[0])
    found = client.manifest(path, tag)
    if found is None:
        raise NotAttempted(hint("ex16.not_published_prerequisite"))
    user, password = credentials()
    auth = {"username": user or "", "password": password} if password else None
    ref = f"{client.host}/{path}@{found.digest}"
    run = pull_and_run(docker_client, ref, grading=grading, exercise=exercise, auth=auth)
    assert run.problem() is None, run.problem()
    assert shows_the_cow(run), hint(
        "ex16.no_cow",
        image=f"{client.host}/{path}:{tag}",
        details=tail(run.output or run.error or ""),
    )
