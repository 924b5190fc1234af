"""Checks of exercise 2: nginx published on port 8082 (seed 003 « mapping de port »)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from grader import authoring
from grader.authoring import (
    Client,
    Hint,
    HttpResponse,
    checks,
    compose,
    hint,
    published_ports,
    published_url,
    repository,
)

HOST_PORT, CONTAINER_PORT = "8082", "80"


def is_nginx(image: str) -> bool:
    return repository(image) == "nginx"


def port_hint(mappings: list[tuple[str | None, str | None]]) -> Hint | None:
    return checks.port_hint(mappings, HOST_PORT, CONTAINER_PORT)


def nginx_answer_hint(response: HttpResponse) -> Hint | None:
    if response.status is None:
        return hint("ex2.no_answer", error=response.error)
    if response.status != 200:
        return hint("ex2.bad_status", status=response.status)
    if "nginx" not in response.text.lower() and "nginx" not in response.headers.get("Server", ""):
        return hint("ex2.not_nginx_page", details=response.text[:500])
    return None


# --- files mode: the student's compose file -----------------------------------------------


test_compose_file_is_present = authoring.test_compose_file_or_run_command_is_present
test_where_the_stack_comes_from = authoring.test_where_the_stack_comes_from
test_compose_file_is_valid = authoring.test_compose_file_is_valid
test_compose_gives_no_warning = authoring.test_compose_gives_no_warning
test_host_folders_stay_in_the_exercise = authoring.test_host_folders_stay_in_the_exercise


@pytest.mark.points(1)
def test_service_uses_nginx_image(valid_compose_config: dict[str, Any]) -> None:
    """Le service utilise l'image nginx
    en: The service uses the nginx image"""
    images = compose.service_images(valid_compose_config)
    assert any(is_nginx(i) for i in images), hint("ex2.not_nginx", found=images or "—")


@pytest.mark.points(1)
def test_file_maps_8082_to_80(valid_compose_config: dict[str, Any]) -> None:
    """Le fichier publie le port 8082 de l'hôte vers le port 80 du conteneur
    en: The file publishes host port 8082 to container port 80"""
    mappings = [(host, target) for _, host, target in compose.ports(valid_compose_config)]
    problem = port_hint(mappings)
    assert problem is None, problem


@pytest.mark.points(2)
def test_stack_starts(compose_project: tuple[compose.Project, compose.CommandResult]) -> None:
    """La stack démarre (docker compose up)
    en: The stack starts (docker compose up)"""
    _, up = compose_project
    checks.assert_stack_allowed(up)
    taken = "port is already allocated" in up.output or "address already in use" in up.output
    assert not taken, hint("ex2.port_taken", details=up.output[-2000:])
    assert up.ok, hint("ex2.stack_failed", details=up.output[-2000:])


@pytest.mark.points(2)
def test_engine_publishes_8082_to_80(running_stack: compose.Project, docker_client: Client) -> None:
    """Le moteur Docker publie le port 8082 vers le port 80 d'un conteneur
    en: The Docker engine publishes port 8082 to port 80 of a container"""
    mappings = [
        (host, target)
        for container in compose.containers(docker_client, running_stack.name)
        for target, host in published_ports(container)
    ]
    problem = port_hint(mappings)
    assert problem is None, problem


@pytest.mark.points(2)
def test_nginx_answers_on_8082(
    running_stack: compose.Project, http_probe: Callable[..., HttpResponse]
) -> None:
    """nginx répond sur http://localhost:8082/
    en: nginx answers on http://localhost:8082/"""
    problem = nginx_answer_hint(http_probe(published_url(HOST_PORT), deadline=5))
    assert problem is None, problem


# --- live mode: the student's running engine -----------------------------------------------


@pytest.fixture(scope="module")
def nginx_containers(docker_client: Client) -> list[Any]:
    return checks.containers_from(docker_client, "nginx")


@pytest.mark.live
@pytest.mark.points(2)
def test_live_nginx_container_is_running(nginx_containers: list[Any]) -> None:
    """Un conteneur nginx tourne sur votre Docker
    en: An nginx container is running on your Docker"""
    assert nginx_containers, hint("ex2.live_no_container")


@pytest.mark.live
@pytest.mark.points(4)
def test_live_port_8082_published_to_80(nginx_containers: list[Any]) -> None:
    """Le conteneur nginx publie le port 8082 de l'hôte vers son port 80
    en: The nginx container publishes host port 8082 to its port 80"""
    mappings = [(host, target) for c in nginx_containers for target, host in published_ports(c)]
    problem = port_hint(mappings)
    assert problem is None, problem


@pytest.mark.live
@pytest.mark.points(4)
def test_live_nginx_answers_on_8082(http_probe: Callable[..., HttpResponse]) -> None:
    """nginx répond sur http://localhost:8082/
    en: nginx answers on http://localhost:8082/"""
    problem = nginx_answer_hint(http_probe(published_url(HOST_PORT), deadline=3))
    assert problem is None, problem
