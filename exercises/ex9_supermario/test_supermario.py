"""Checks of exercise 9, on the student's engine: Super Mario on port 8600 (seed 000, J2)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from grader.authoring import (
    Client,
    HttpResponse,
    checks,
    hint,
    published_ports,
    published_url,
)

IMAGE, HOST_PORT, CONTAINER_PORT = "pengbai/docker-supermario", "8600", "8080"


@pytest.fixture(scope="module")
def mario_containers(docker_client: Client) -> list[Any]:
    return checks.containers_from(docker_client, IMAGE)


@pytest.mark.live
@pytest.mark.points(2)
def test_supermario_container_is_running(mario_containers: list[Any]) -> None:
    """Un conteneur pengbai/docker-supermario tourne
    en: A pengbai/docker-supermario container is running"""
    assert mario_containers, hint("ex9.no_container")


@pytest.mark.live
@pytest.mark.points(4)
def test_port_8600_published_to_8080(mario_containers: list[Any]) -> None:
    """Le conteneur publie le port 8600 de la machine vers son port 8080
    en: The container publishes host port 8600 to its port 8080"""
    assert mario_containers, hint("ex9.no_container")
    mappings = [(h, t) for c in mario_containers for t, h in published_ports(c)]
    problem = checks.port_hint(mappings, HOST_PORT, CONTAINER_PORT)
    assert problem is None, problem


@pytest.mark.live
@pytest.mark.points(4)
def test_game_answers_on_8600(http_probe: Callable[..., HttpResponse]) -> None:
    """http://localhost:8600/ répond
    en: http://localhost:8600/ answers"""
    response = http_probe(published_url(HOST_PORT), deadline=3)
    assert response.status is not None, hint("ex9.no_answer", error=response.error)
    assert response.status == 200, hint("ex9.bad_status", status=response.status)
