"""Checks of exercise 8, on the student's engine: an image made with docker commit
(seed 001 « Construire une image interactivement »)."""

from __future__ import annotations

from typing import Any

import pytest

from grader.authoring import (
    Client,
    Exercise,
    GradingSession,
    NotAttempted,
    hint,
    repository,
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


def local_name(tag: str) -> bool:
    """A name for this engine, as `docker commit` gives: no registry host in front (ex16's
    `registry.gitlab.com/…/cowsay` is an image built to be pushed, not this exercise's)."""
    first = tag.split("/", 1)[0]
    return "/" not in tag or not ("." in first or ":" in first or first == "localhost")


def cowsay_images(client: Client) -> list[tuple[str, Any]]:
    """(tag, image) for each local tag whose name says cowsay (`cowsay:1.0`, `moi/cowsay`,
    `mon-cowsay`), the statement's `cowsay:latest` first, then the newest: the name is the
    statement's example, not the exercise's subject (issue 23, item 5); a name is how an image
    is found."""
    images = sorted(client.images.list(), key=lambda i: str(i.attrs.get("Created")), reverse=True)
    found = [
        (t, i)
        for i in images
        for t in i.tags
        if local_name(t) and "cowsay" in repository(t).rsplit("/", 1)[-1]
    ]
    return sorted(found, key=lambda f: f[0] != IMAGE)


@pytest.fixture(scope="module")
def cowsay_found(docker_client: Client) -> list[tuple[str, Any]]:
    """The engine's images listed once for every check."""
    return cowsay_images(docker_client)


@pytest.fixture(scope="module")
def cowsay_image(cowsay_found: list[tuple[str, Any]]) -> Any:
    """The image graded: the first one made with docker commit (ex1's `docker build -t cowsay`
    may have left a `cowsay` built from a Dockerfile beside it), else the first one found."""
    if not cowsay_found:
        raise NotAttempted(hint("ex8.no_image"))
    images = [image for _, image in cowsay_found]
    return next((i for i in images if dockerfile_step(i.history()) is None), images[0])


@pytest.mark.live
@pytest.mark.points(2)
def test_cowsay_image_exists(cowsay_found: list[tuple[str, Any]]) -> None:
    """Une image cowsay existe (son nom contient cowsay)
    en: A cowsay image exists (its name says cowsay)"""
    assert cowsay_found, hint("ex8.no_image")


@pytest.mark.live
@pytest.mark.practice
@pytest.mark.points(1)
def test_image_is_named_cowsay_as_in_the_statement(cowsay_found: list[tuple[str, Any]]) -> None:
    """L'image s'appelle cowsay, comme dans l'énoncé (docker commit … cowsay)
    en: The image is named cowsay, as in the statement (docker commit … cowsay)"""
    tags = [tag for tag, _ in cowsay_found]
    assert tags, hint("ex8.no_image")
    assert IMAGE in tags, hint("ex8.not_the_statements_name", found=tags[0])


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
        cowsay_image.id,
        labels=grading.labels(exercise),
        command=["/usr/games/cowsay", "bonjour"],
        network_disabled=True,
        timeout=20,
    )
    cow = "< bonjour >" in run.output and "(oo)" in run.output
    assert run.exit_code == 0 and cow, hint(
        "ex8.no_cow",
        image=cowsay_image.tags[0] if cowsay_image.tags else IMAGE,
        exit_code=run.exit_code,
        details=tail(run.output or run.error or ""),
    )
