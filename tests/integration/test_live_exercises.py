"""The live-state exercises (ex8–ex10) graded on this engine after creating, for real, the
state a student leaves behind: each reference `solution/commands.sh` scores full marks, and
the usual wrong states fail the check they should with the hint they should."""

from __future__ import annotations

import contextlib
import subprocess
from collections.abc import Iterator
from pathlib import Path

import docker.errors
import pytest

from grader.containers import images
from grader.containers.engine import Client
from grader.grading.checks import containers_from
from grader.grading.runner import grade
from grader.model.catalogue import Catalogue
from grader.model.results import ExerciseResult
from tests.helpers.repos import ROOT

pytestmark = pytest.mark.docker
LIVE = [e.id for e in Catalogue.load() if e.modes == ("live",)]


def _forget_student_state(engine: Client) -> None:
    for repo in ("hello-world", "pengbai/docker-supermario", "cowsay", "ubuntu"):
        for container in containers_from(engine, repo, stopped=True):
            container.remove(force=True)
    with contextlib.suppress(docker.errors.ImageNotFound):
        engine.images.remove("cowsay:latest", force=True)


@pytest.fixture
def student_engine(engine: Client) -> Iterator[Client]:
    """This engine as a student's: the public images present, no state left by a previous test."""
    for ref in ("ubuntu:latest", "hello-world:latest", "pengbai/docker-supermario:latest"):
        images.ensure(engine, ref)
    _forget_student_state(engine)
    yield engine
    _forget_student_state(engine)


def _grade_live(catalogue: Catalogue, exercise_id: str, tmp_path: Path) -> ExerciseResult:
    report = grade([catalogue.get(exercise_id)], root=tmp_path, mode="live", catalogue=catalogue)
    return report.exercises[0]


def _failures(result: ExerciseResult) -> dict[str, tuple[str, str | None]]:
    return {c.name: (c.status, c.hint_key) for c in result.checks if c.status != "passed"}


@pytest.mark.parametrize("exercise_id", LIVE)
def test_reference_commands_score_full_marks(
    catalogue: Catalogue, exercise_id: str, student_engine: Client, tmp_path: Path
) -> None:
    script = catalogue.get(exercise_id).folder / "solution" / "commands.sh"
    subprocess.run(["sh", str(script)], check=True, capture_output=True, timeout=300)
    result = _grade_live(catalogue, exercise_id, tmp_path)
    assert _failures(result) == {}
    assert result.scored().points == result.all_points == 10


@pytest.mark.parametrize("exercise_id", LIVE)
def test_an_untouched_engine_scores_nothing_with_a_hint_per_check(
    catalogue: Catalogue, exercise_id: str, student_engine: Client, tmp_path: Path
) -> None:
    if exercise_id == "ex10":  # the image is there (pulled), never run
        student_engine.images.get("hello-world:latest")
    result = _grade_live(catalogue, exercise_id, tmp_path)
    assert result.scored().points <= 3
    assert all(c.hint for c in result.checks if c.status != "passed")


def test_ex8_an_image_built_from_a_dockerfile_is_not_a_commit(
    catalogue: Catalogue, student_engine: Client, tmp_path: Path
) -> None:
    dockerfile = ROOT / "exercises" / "ex1_cowsay" / "solution"
    subprocess.run(
        ["docker", "build", "-q", "-t", "cowsay", str(dockerfile)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    failures = _failures(_grade_live(catalogue, "ex8", tmp_path))
    assert failures == {"test_image_was_made_with_docker_commit": ("failed", "ex8.from_dockerfile")}


def test_ex8_a_commit_before_installing_cowsay_has_no_cow(
    catalogue: Catalogue, student_engine: Client, tmp_path: Path
) -> None:
    container = student_engine.containers.run("ubuntu", ["true"], detach=True)
    container.wait()
    container.commit("cowsay", "latest")
    container.remove()
    failures = _failures(_grade_live(catalogue, "ex8", tmp_path))
    assert failures == {"test_cowsay_says_bonjour": ("failed", "ex8.no_cow")}


def test_ex8_a_commit_named_otherwise_is_validated_with_the_practice_point_lost(
    catalogue: Catalogue, student_engine: Client, tmp_path: Path
) -> None:
    """`cowsay` is the statement's name, not the subject: a commit named `cowsay:1.0` is
    graded, validated, and only the good practice's point is lost."""
    # A stand-in for cowsay (no package download here): the bubble and the cow the check reads.
    cow = "#!/bin/sh\necho \"< $1 >\"; echo '        \\   ^__^'; echo '         \\  (oo)'\n"
    container = student_engine.containers.run(
        "ubuntu",
        [
            "sh",
            "-c",
            'mkdir -p /usr/games && printf %s "$0" > /usr/games/cowsay && chmod +x /usr/games/cowsay',
            cow,
        ],
        detach=True,
    )
    container.wait()
    container.commit("cowsay", "1.0")
    container.remove()
    try:
        result = _grade_live(catalogue, "ex8", tmp_path)
    finally:
        student_engine.images.remove("cowsay:1.0", force=True)
    assert _failures(result) == {
        "test_image_is_named_cowsay_as_in_the_statement": ("failed", "ex8.not_the_statements_name")
    }
    assert result.validated() and result.scored().points == 9


def test_ex9_another_host_port_is_validated_with_the_practice_point_lost(
    catalogue: Catalogue, student_engine: Client, tmp_path: Path
) -> None:
    """8600 is the statement's host port, not the subject: the game published on 8601 answers
    there, the exercise is validated and only the good practice's point is lost."""
    student_engine.containers.run(
        "pengbai/docker-supermario", detach=True, ports={"8080/tcp": 8601}
    )
    result = _grade_live(catalogue, "ex9", tmp_path)
    assert _failures(result) == {
        "test_host_port_is_8600_as_in_the_statement": ("failed", "ex9.not_the_statements_port"),
    }
    assert result.validated() and result.scored().points == 9


def test_ex9_the_games_port_not_published_is_named_and_nothing_answers(
    catalogue: Catalogue, student_engine: Client, tmp_path: Path
) -> None:
    student_engine.containers.run("pengbai/docker-supermario", detach=True, ports={"80/tcp": 8600})
    failures = _failures(_grade_live(catalogue, "ex9", tmp_path))
    assert failures == {
        "test_game_port_8080_is_published": ("failed", "ex9.game_port_not_published"),
        "test_host_port_is_8600_as_in_the_statement": ("failed", "ex9.game_port_not_published"),
        "test_game_answers_on_its_published_port": ("failed", "ex9.no_answer"),
    }


def test_ex10_a_run_that_failed_does_not_count(
    catalogue: Catalogue, student_engine: Client, tmp_path: Path
) -> None:
    container = student_engine.containers.run("hello-world", ["cat", "/nowhere"], detach=True)
    container.wait()
    failures = _failures(_grade_live(catalogue, "ex10", tmp_path))
    assert failures == {"test_it_printed_the_greeting": ("failed", "ex10.no_greeting")}


def test_a_kubernetes_pods_container_is_never_taken_for_the_students_own(
    student_engine: Client,
) -> None:
    """With a cluster on the same engine, the kubelet's nginx (a pod) is not "your nginx"."""
    images.ensure(student_engine, "nginx:latest")
    pod = student_engine.containers.run(
        "nginx:latest",
        detach=True,
        name="k8s_nginx_mynginx_default_0",
        labels={"io.kubernetes.pod.name": "mynginx", "io.kubernetes.container.name": "nginx"},
    )
    try:
        assert pod.id not in [c.id for c in containers_from(student_engine, "nginx")]
        assert pod.id in [c.id for c in student_engine.containers.list()]  # it runs
    finally:
        pod.remove(force=True)
