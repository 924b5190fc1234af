"""Checks of exercise 1: the cowsay image (seed 001 « Notre premier Dockerfile »)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from grader.authoring import (
    DOCKERFILE_NAMES,
    BuildResult,
    RunResult,
    Submission,
    advice_hint,
    assert_present,
    build_hint,
    hint,
    tail,
)

# Run whatever the student's ENTRYPOINT/CMD: find cowsay (on PATH or where Debian puts it),
# print where it is, then let the cow speak.
PROBE = (
    'c="$(command -v cowsay || { [ -x /usr/games/cowsay ] && echo /usr/games/cowsay; })"; '
    '[ -n "$c" ] || exit 3; echo "COWSAY=$c"; "$c" bonjour'
)


@pytest.fixture(scope="module")
def cow(image: str, run_in_image: Callable[..., RunResult]) -> RunResult:
    return run_in_image(["-c", PROBE], entrypoint=["/bin/sh"])


@pytest.mark.points(1)
def test_dockerfile_is_present(submission: Submission) -> None:
    """Le fichier ex1/Dockerfile existe
    en: The file ex1/Dockerfile exists"""
    assert_present(submission, *DOCKERFILE_NAMES, key="common.no_dockerfile")


@pytest.mark.points(3)
def test_image_builds(image_build: BuildResult, dockerfile: Path) -> None:
    """L'image se construit (docker build)
    en: The image builds (docker build)"""
    assert image_build.ok, build_hint(image_build, dockerfile)


@pytest.mark.points(2)
def test_cowsay_is_installed(cow: RunResult) -> None:
    """cowsay est installé dans l'image
    en: cowsay is installed in the image"""
    assert cow.problem() is None, cow.problem()
    assert cow.exit_code != 3 and "COWSAY=" in cow.output, hint(
        "ex1.cowsay_missing", details=tail(cow.output or cow.error or "")
    )


@pytest.mark.points(3)
def test_cow_says_bonjour(cow: RunResult) -> None:
    """cowsay bonjour affiche la bulle et la vache
    en: cowsay bonjour shows the speech bubble and the cow"""
    assert cow.problem() is None, cow.problem()
    bubble = "< bonjour >" in cow.output
    animal = "(oo)" in cow.output and "^__^" in cow.output
    assert cow.exit_code == 0 and bubble and animal, hint(
        "ex1.no_cow", exit_code=cow.exit_code, details=tail(cow.output or cow.error or "")
    )


@pytest.mark.points(1)
def test_default_command_runs(run_in_image: Callable[..., RunResult]) -> None:
    """La commande par défaut de l'image (CMD/ENTRYPOINT) s'exécute sans erreur
    en: The image's default command (CMD/ENTRYPOINT) runs without error"""
    run = run_in_image(timeout=20)
    output = f"{run.output}\n{run.error or ''}"
    not_found = run.exit_code == 127 or "not found" in output
    assert not not_found, hint("ex1.cmd_not_found", details=tail(output))
    assert run.problem() is None, run.problem()
    assert not run.timed_out, hint("ex1.cmd_never_ends")
    assert run.exit_code == 0, hint("ex1.cmd_failed", exit_code=run.exit_code, details=tail(output))


@pytest.mark.advisory
@pytest.mark.points(0)
def test_hadolint_advice(dockerfile: Path) -> None:
    """Conseils de style (hadolint), sans effet sur la note
    en: Style advice (hadolint), no effect on the score"""
    advice = advice_hint(dockerfile)
    assert advice is None, advice
