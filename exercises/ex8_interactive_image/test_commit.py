"""Checks of exercise 8, on the student's engine: an image made with docker commit
(seed 001 « Construire une image interactivement »)."""

from __future__ import annotations

from typing import Any

import docker.errors
import pytest

from grader.authoring import (
    Client,
    Exercise,
    GradingSession,
    NotAttempted,
    hint,
    run_container,
    tail,
)

IMAGE = "cowsay:latest"


def dockerfile_step(history: list[dict[str, Any]]) -> str | None:
    """The newest history entry written by a Dockerfile build, or None for a commit.

    `docker commit` records the container's command (`bash`, `/bin/bash`); the classic
    builder records `/bin/sh -c …` (and `#(nop)` for metadata), BuildKit a comment.
    """
    top = history[0] if history else {}
    created_by = str(top.get("CreatedBy") or "")
    built = (
        top.get("Comment") == "buildkit.dockerfile.v0"
        or "#(nop)" in created_by
        or created_by.startswith("/bin/sh -c ")
    )
    return created_by[:80] if built else None


@pytest.fixture(scope="module")
def cowsay_image(docker_client: Client) -> Any:
    try:
        return docker_client.images.get(IMAGE)
    except docker.errors.ImageNotFound:
        raise NotAttempted(hint("ex8.no_image")) from None


@pytest.mark.live
@pytest.mark.points(3)
def test_cowsay_image_exists(docker_client: Client) -> None:
    """Une image cowsay existe
    en: A cowsay image exists"""
    tags = [t for i in docker_client.images.list(name="cowsay") for t in i.tags]
    assert IMAGE in tags, hint("ex8.no_image")


@pytest.mark.live
@pytest.mark.points(3)
def test_image_was_made_with_docker_commit(cowsay_image: Any) -> None:
    """L'image a été faite avec docker commit (docker history)
    en: The image was made with docker commit (docker history)"""
    step = dockerfile_step(cowsay_image.history())
    assert step is None, hint("ex8.from_dockerfile", step=step)


@pytest.mark.live
@pytest.mark.points(4)
def test_cowsay_says_bonjour(
    cowsay_image: Any, docker_client: Client, grading: GradingSession, exercise: Exercise
) -> None:
    """docker run --rm cowsay /usr/games/cowsay bonjour affiche la vache
    en: docker run --rm cowsay /usr/games/cowsay bonjour shows the cow"""
    run = run_container(
        docker_client,
        IMAGE,
        labels=grading.labels(exercise),
        command=["/usr/games/cowsay", "bonjour"],
        network_disabled=True,
        timeout=20,
    )
    cow = "< bonjour >" in run.output and "(oo)" in run.output
    assert run.exit_code == 0 and cow, hint(
        "ex8.no_cow", exit_code=run.exit_code, details=tail(run.output or run.error or "")
    )
