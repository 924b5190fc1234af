"""Checks of exercise 3: a volume for the notebooks (seed 002 « Éphémérité et volumes »)."""

from __future__ import annotations

import posixpath
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from grader import authoring
from grader.authoring import (
    STANDINS,
    Client,
    Exercise,
    GradingSession,
    Hint,
    HttpResponse,
    NotAttempted,
    checks,
    compose,
    engine_host,
    hint,
    published_ports,
    published_url,
    repository,
    run_container,
    tail,
)

NOTEBOOK = '{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}\n'


def is_jupyter(image: str) -> bool:
    name = repository(image)
    return STANDINS.get(name, ("",))[0] == "jupyter" or name.endswith("-notebook")


@pytest.fixture(scope="module")
def notebook_service(valid_compose_config: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The service running Jupyter (else the first one)."""
    services = valid_compose_config.get("services") or {}
    if not services:
        raise NotAttempted(hint("ex3.no_service"))
    name = next((n for n, s in services.items() if is_jupyter(s.get("image", ""))), None)
    name = name or next(iter(services))
    return name, services[name]


@pytest.fixture(scope="module")
def workdir(exercise: Exercise) -> str:
    return str(exercise.params["workdir"])


def mount_hint(service: tuple[str, dict[str, Any]], workdir: str) -> Hint | None:
    name, spec = service
    targets = [str(m.get("target", "")).rstrip("/") for m in compose.mounts(spec)]
    if workdir in targets:
        return None
    if not targets:
        return hint("ex3.no_volume", service=name, workdir=workdir)
    wider = [t for t in targets if workdir.startswith(t + "/")]
    if wider:
        return hint("ex3.volume_too_wide", found=wider[0], workdir=workdir)
    return hint(
        "ex3.volume_wrong_path", found=", ".join(f"`{t}`" for t in targets), workdir=workdir
    )


@pytest.fixture(scope="module")
def notebook_container(
    running_stack: compose.Project,
    notebook_service: tuple[str, dict[str, Any]],
    docker_client: Client,
) -> Callable[[], Any]:
    """The current container of the notebook service (it changes when recreated)."""

    def current() -> Any:
        found = compose.service_container(docker_client, running_stack.name, notebook_service[0])
        if found is None:
            raise NotAttempted(hint("ex3.stack_failed"))
        return found

    return current


@pytest.fixture(scope="module")
def notebook_url(notebook_container: Callable[[], Any], exercise: Exercise) -> str:
    port = str(exercise.params["port"])
    hosts = [h for target, h in published_ports(notebook_container()) if target == port]
    if not hosts:
        raise NotAttempted(hint("ex3.no_port", port=port))
    return published_url(hosts[0])


@dataclass
class Recreation:
    names: tuple[str, str]  # (saved in the work dir, saved next to it)
    survived: dict[str, bool]
    error: Hint | None = None


def _exists(container: Any, path: str) -> bool:
    return bool(container.exec_run(["test", "-f", path], user="root").exit_code == 0)


@pytest.fixture(scope="module")
def recreation(
    running_stack: compose.Project,
    notebook_container: Callable[[], Any],
    workdir: str,
    grading: GradingSession,
) -> Recreation:
    """Write one notebook in the work dir and one next to it, recreate the container, look."""
    home = posixpath.dirname(workdir)
    saved = posixpath.join(workdir, f"survit-{grading.run_id}.ipynb")
    lost = posixpath.join(home, f"perdu-{grading.run_id}.ipynb")
    for path in (saved, lost):
        written = notebook_container().exec_run(
            ["sh", "-c", f"printf '%s' '{NOTEBOOK}' > '{path}'"], user="root"
        )
        if written.exit_code != 0:
            error = written.output.decode("utf-8", "replace").strip()
            return Recreation((saved, lost), {}, hint("ex3.write_failed", error=error))
    again = running_stack.recreate()
    if not again.ok:
        return Recreation(
            (saved, lost), {}, hint("ex3.recreate_failed", details=tail(again.output))
        )
    container = notebook_container()
    return Recreation((saved, lost), {p: _exists(container, p) for p in (saved, lost)})


# --- the file -------------------------------------------------------------------------------


test_compose_file_is_present = authoring.test_compose_file_or_run_command_is_present
test_where_the_stack_comes_from = authoring.test_where_the_stack_comes_from
test_compose_file_is_valid = authoring.test_compose_file_is_valid
test_compose_gives_no_warning = authoring.test_compose_gives_no_warning


@pytest.mark.points(1)
def test_service_uses_a_jupyter_image(valid_compose_config: dict[str, Any]) -> None:
    """Le service utilise une image Jupyter
    en: The service uses a Jupyter image"""
    images = compose.service_images(valid_compose_config)
    assert any(is_jupyter(i) for i in images), hint("ex3.not_jupyter", found=images or "—")


@pytest.mark.points(2)
def test_work_directory_is_on_a_volume(
    notebook_service: tuple[str, dict[str, Any]], workdir: str
) -> None:
    """/home/jovyan/work est sur un volume
    en: /home/jovyan/work is on a volume"""
    problem = mount_hint(notebook_service, workdir)
    assert problem is None, problem


@pytest.mark.practice
@pytest.mark.points(1)
def test_mounted_folders_stay_inside_the_exercise(
    valid_compose_config: dict[str, Any], compose_file: Path
) -> None:
    """Les dossiers montés restent dans ex3/
    en: Mounted folders stay inside ex3/"""
    outside = compose.binds_outside(valid_compose_config, compose_file.parent)
    assert not outside, hint("ex3.binds_outside", paths=", ".join(outside))


@pytest.mark.points(1)
def test_notebook_port_is_published(
    notebook_service: tuple[str, dict[str, Any]], exercise: Exercise
) -> None:
    """Le port 8888 du conteneur est publié
    en: Container port 8888 is published"""
    port = str(exercise.params["port"])
    published = [
        p
        for p in notebook_service[1].get("ports") or []
        if str(p.get("target")) == port and p.get("published")
    ]
    assert published, hint("ex3.no_port", port=port)


# --- the running stack ----------------------------------------------------------------------


@pytest.mark.points(1)
def test_stack_starts(compose_project: tuple[compose.Project, compose.CommandResult]) -> None:
    """La stack démarre (docker compose up)
    en: The stack starts (docker compose up)"""
    _, up = compose_project
    checks.assert_stack_started(up, "ex3.stack_failed")


@pytest.mark.points(2)
def test_jupyter_answers(
    notebook_url: str, http_probe: Callable[..., HttpResponse], exercise: Exercise
) -> None:
    """Le serveur Jupyter répond en HTTP
    en: The Jupyter server answers over HTTP"""
    response = http_probe(notebook_url, deadline=30)
    port = exercise.params["port"]
    assert response.status is not None, hint(
        "ex3.no_answer", url=notebook_url, port=port, error=response.error
    )
    assert response.status == 200 and "jupyter" in response.text.lower(), hint(
        "ex3.not_jupyter_page", url=notebook_url, status=response.status
    )


@pytest.mark.points(3)
def test_saved_notebook_survives_recreation(recreation: Recreation, workdir: str) -> None:
    """Un notebook écrit dans work/ survit à la recréation du conteneur
    en: A notebook written in work/ survives the container being recreated"""
    assert recreation.error is None, recreation.error
    assert recreation.survived[recreation.names[0]], hint("ex3.not_persisted", workdir=workdir)


@pytest.mark.points(1)
def test_notebook_outside_work_is_lost(recreation: Recreation, workdir: str) -> None:
    """Un notebook écrit hors de work/ est perdu à la recréation
    en: A notebook written outside work/ is lost when the container is recreated"""
    assert recreation.error is None, recreation.error
    home = posixpath.dirname(workdir)
    assert not recreation.survived[recreation.names[1]], hint(
        "ex3.nothing_lost", home=home, workdir=workdir
    )


@pytest.mark.points(1)
def test_saved_notebook_is_visible_outside_the_container(
    recreation: Recreation,
    running_stack: compose.Project,
    notebook_service: tuple[str, dict[str, Any]],
    valid_compose_config: dict[str, Any],
    workdir: str,
    docker_client: Client,
    grading: GradingSession,
    exercise: Exercise,
) -> None:
    """Le notebook sauvegardé est visible hors du conteneur (dossier de l'hôte ou volume)
    en: The saved notebook is visible outside the container (host folder or volume)"""
    assert recreation.error is None, recreation.error
    name = posixpath.basename(recreation.names[0])
    mount = next(
        (
            m
            for m in compose.mounts(notebook_service[1])
            if str(m.get("target")).rstrip("/") == workdir
        ),
        None,
    )
    assert mount is not None, mount_hint(notebook_service, workdir)
    bind = mount.get("type") == "bind"
    source = str(mount["source"]) if bind else _volume_name(valid_compose_config, mount)
    if bind:
        source = str(running_stack.host_path(source))
    if bind and (Path(source) / name).is_file():
        return  # seen from here, on the host side of the bind mount
    # Seen from a throw-away container mounting the same folder or volume: this is how it is
    # checked for a named volume, and for a bind mount on a remote engine (GitLab's dind).
    look = run_container(
        docker_client,
        notebook_service[1].get("image", ""),
        labels=grading.labels(exercise),
        entrypoint=["test"],
        command=["-f", f"/v/{name}"],
        volumes={source: {"bind": "/v", "mode": "ro"}},
        network_disabled=True,
        user="root",
    )
    if bind:
        assert look.exit_code == 0 and engine_host() != "localhost", hint(
            "ex3.not_on_host", source=source
        )
    assert look.exit_code == 0, hint("ex3.not_in_volume", volume=source)


def _volume_name(config: dict[str, Any], mount: dict[str, Any]) -> str:
    volumes = config.get("volumes") or {}
    return str((volumes.get(mount.get("source")) or {}).get("name") or mount.get("source"))
