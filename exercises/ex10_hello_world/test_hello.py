"""Checks of exercise 10, on the student's engine: hello-world has been run (seed 001)."""

from __future__ import annotations

from typing import Any

import pytest

from grader.authoring import (
    Client,
    checks,
    hint,
)

IMAGE = "hello-world"
GREETING = "Hello from Docker!"


@pytest.fixture(scope="module")
def finished(docker_client: Client) -> list[Any]:
    """hello-world containers that ran and stopped, newest first."""
    found = checks.containers_from(docker_client, IMAGE, stopped=True)
    return [c for c in found if c.status == "exited"]


@pytest.mark.live
@pytest.mark.points(3)
def test_hello_world_image_is_present(docker_client: Client) -> None:
    """L'image hello-world est présente
    en: The hello-world image is present"""
    assert docker_client.images.list(name=IMAGE), hint("ex10.no_image")


@pytest.mark.live
@pytest.mark.points(4)
def test_a_hello_world_container_has_run(finished: list[Any]) -> None:
    """Un conteneur hello-world a tourné et s'est terminé (docker ps -a)
    en: A hello-world container ran and exited (docker ps -a)"""
    assert finished, hint("ex10.never_run")


@pytest.mark.live
@pytest.mark.points(3)
def test_it_printed_the_greeting(finished: list[Any]) -> None:
    """Il s'est terminé sans erreur en affichant « Hello from Docker! »
    en: It exited cleanly, printing "Hello from Docker!\""""
    assert finished, hint("ex10.never_run")
    greeted = [
        c
        for c in finished
        if c.attrs["State"].get("ExitCode") == 0 and GREETING in c.logs().decode("utf-8", "replace")
    ]
    code = finished[0].attrs["State"].get("ExitCode")
    assert greeted, hint("ex10.no_greeting", exit_code=code)
