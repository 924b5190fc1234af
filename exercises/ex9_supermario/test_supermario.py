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


def game_mappings(containers: list[Any]) -> list[tuple[str | None, str | None]]:
    """(host, container) ports the game's containers publish."""
    return [(h, t) for c in containers for t, h in published_ports(c)]


def game_host_ports(containers: list[Any]) -> list[str]:
    """The host ports published to the game's port 8080, the statement's 8600 first: the port
    is the statement's example, not the exercise's subject (issue 23, item 5)."""
    hosts = [h for h, t in game_mappings(containers) if t == CONTAINER_PORT and h]
    return sorted(dict.fromkeys(hosts), key=lambda h: h != HOST_PORT)


@pytest.mark.live
@pytest.mark.points(3)
def test_game_port_8080_is_published(mario_containers: list[Any]) -> None:
    """Le conteneur publie son port 8080 (celui du jeu) sur un port de la machine
    en: The container publishes its port 8080 (the game's) on a host port"""
    assert mario_containers, hint("ex9.no_container")
    found = ", ".join(f"{h}:{t}" for h, t in game_mappings(mario_containers)) or "—"
    assert game_host_ports(mario_containers), hint("ex9.game_port_not_published", found=found)


@pytest.mark.live
@pytest.mark.practice
@pytest.mark.points(1)
def test_host_port_is_8600_as_in_the_statement(mario_containers: list[Any]) -> None:
    """Le port de la machine est 8600, comme dans l'énoncé
    en: The host port is 8600, as in the statement"""
    assert mario_containers, hint("ex9.no_container")
    hosts = game_host_ports(mario_containers)
    found = ", ".join(f"{h}:{t}" for h, t in game_mappings(mario_containers)) or "—"
    assert hosts, hint("ex9.game_port_not_published", found=found)
    assert HOST_PORT in hosts, hint("ex9.not_the_statements_port", port=hosts[0])


@pytest.mark.live
@pytest.mark.points(4)
def test_game_answers_on_its_published_port(
    mario_containers: list[Any], http_probe: Callable[..., HttpResponse]
) -> None:
    """Le jeu répond sur le port publié de la machine (http://localhost:8600/ dans l'énoncé)
    en: The game answers on the published host port (http://localhost:8600/ in the statement)"""
    port = next(iter(game_host_ports(mario_containers)), HOST_PORT)
    response = http_probe(published_url(port), deadline=3)
    assert response.status is not None, hint("ex9.no_answer", port=port, error=response.error)
    assert response.status == 200, hint("ex9.bad_status", port=port, status=response.status)
