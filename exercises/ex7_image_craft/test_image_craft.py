"""Checks of exercise 7: a well-made image (seed 001 « couches », seed 003 « tagguer »)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from grader.authoring import (
    DOCKERFILE_NAMES,
    BuildResult,
    Client,
    Exercise,
    Hint,
    Instruction,
    Server,
    Submission,
    advice_hint,
    assert_present,
    base_images,
    build_hint,
    hint,
    image_files,
    image_tag,
    instructions,
    tail,
)

# A tag precise enough to know what is built: a version with a dot (12.8, 8.0.19), a dated
# snapshot (bookworm-20241111) or a digest.
PRECISE_TAG = re.compile(r"\d+\.\d+|\d{8}|^sha256:")
ROOT_USERS = ("", "root", "0", "0:0", "root:root")


@pytest.fixture(scope="module")
def steps(dockerfile: Path) -> list[Instruction]:
    return instructions(dockerfile.read_text(encoding="utf-8", errors="replace"))


@pytest.fixture(scope="module")
def image_config(docker_client: Client, image: str) -> dict[str, Any]:
    config: dict[str, Any] = docker_client.images.get(image).attrs.get("Config") or {}
    return config


@pytest.fixture(scope="module")
def added_layers(docker_client: Client, image: str, dockerfile: Path) -> list[dict[str, Any]]:
    """The history entries the Dockerfile added on top of its base image (newest first)."""
    bases = base_images(dockerfile.read_text(encoding="utf-8", errors="replace"))
    history: list[dict[str, Any]] = docker_client.images.get(image).history()
    base = len(docker_client.images.get(bases[-1]).history()) if bases else 0
    return history[: len(history) - base]


def apt_hint(steps: list[Instruction]) -> Hint | None:
    """What is missing from the RUN that installs packages, or None when it is done well."""
    runs = [s for s in steps if s.keyword == "RUN" and re.search(r"apt(-get)? install", s.text)]
    if not runs:
        return hint("ex7.no_install")
    for run in runs:
        if not re.search(r"apt(-get)? update", run.text):
            return hint("ex7.apt_update_elsewhere", line=run.line)
        if not re.search(r"(^|\s)(-y|--yes|--assume-yes|-qq?y)(\s|$)", run.text):
            return hint("ex7.apt_no_yes", line=run.line)
        if "--no-install-recommends" not in run.text:
            return hint("ex7.apt_recommends", line=run.line)
        if "/var/lib/apt/lists" not in run.text:
            return hint("ex7.apt_no_cleanup", line=run.line)
    return None


@pytest.mark.points(1)
def test_dockerfile_is_present(submission: Submission) -> None:
    """Le fichier ex7/Dockerfile existe
    en: The file ex7/Dockerfile exists"""
    assert_present(submission, *DOCKERFILE_NAMES, key="common.no_dockerfile")


@pytest.mark.points(2)
def test_image_builds(image_build: BuildResult, dockerfile: Path) -> None:
    """L'image se construit (docker build)
    en: The image builds (docker build)"""
    assert image_build.ok, build_hint(image_build, dockerfile)


@pytest.mark.points(1)
def test_base_image_tag_is_precise(steps: list[Instruction]) -> None:
    """L'image de base a un tag précis (pas latest)
    en: The base image has a precise tag (not latest)"""
    froms = [s for s in steps if s.keyword == "FROM"]
    assert froms, hint("ex7.no_from")
    image = froms[-1].args.split()[0]
    tag = image_tag(image)
    assert tag not in (None, "latest"), hint("ex7.unpinned", image=image)
    assert PRECISE_TAG.search(tag or ""), hint("ex7.imprecise_tag", image=image)


@pytest.mark.points(2)
def test_packages_installed_in_one_clean_layer(steps: list[Instruction]) -> None:
    """update, install et nettoyage d'apt dans un seul RUN
    en: apt update, install and clean-up in one RUN"""
    problem = apt_hint(steps)
    assert problem is None, problem


@pytest.mark.points(2)
def test_runs_as_non_root(image_config: dict[str, Any]) -> None:
    """Le conteneur ne tourne pas en root (USER)
    en: The container does not run as root (USER)"""
    user = (image_config.get("User") or "").strip()
    assert user not in ROOT_USERS, hint("ex7.root_user", user=user or "root")


def unprivileged_ports(image_config: dict[str, Any]) -> list[int]:
    """The TCP ports the image EXPOSEs that a non-root user may listen on (1024 and above)."""
    found = [
        str(p).split("/")[0]
        for p in image_config.get("ExposedPorts") or {}
        if str(p).endswith("/tcp")
    ]
    return sorted(int(p) for p in found if p.isdigit() and int(p) >= 1024)


def served_port(image_config: dict[str, Any], exercise: Exercise) -> int:
    """The statement's port when the image declares it, else the unprivileged port it declares:
    8080 is the statement's example, not the exercise's subject (issue 23, item 5)."""
    wanted = int(exercise.params["port"])
    ports = unprivileged_ports(image_config)
    return wanted if wanted in ports or not ports else ports[0]


@pytest.mark.points(1)
def test_exposes_the_port(image_config: dict[str, Any], exercise: Exercise) -> None:
    """L'image déclare son port (EXPOSE), un port qu'un utilisateur non root peut ouvrir
    en: The image declares its port (EXPOSE), one a non-root user can open"""
    port = exercise.params["port"]
    exposed = sorted(image_config.get("ExposedPorts") or {})
    assert unprivileged_ports(image_config), hint(
        "ex7.no_expose", port=port, found=", ".join(exposed) or "—"
    )


@pytest.mark.practice
@pytest.mark.points(1)
def test_port_is_the_statements_8080(image_config: dict[str, Any], exercise: Exercise) -> None:
    """Le port est 8080, comme dans l'énoncé
    en: The port is 8080, as in the statement"""
    port = exercise.params["port"]
    exposed = sorted(image_config.get("ExposedPorts") or {})
    assert f"{port}/tcp" in exposed, hint(
        "ex7.no_expose", port=port, found=", ".join(exposed) or "—"
    )


@pytest.mark.points(1)
def test_cmd_is_in_exec_form(steps: list[Instruction]) -> None:
    """CMD est écrit sous forme exec (["prog", "arg"])
    en: CMD is written in exec form (["prog", "arg"])"""
    cmds = [s for s in steps if s.keyword == "CMD"]
    assert cmds, hint("ex7.no_cmd")
    assert cmds[-1].exec_form is not None, hint(
        "ex7.cmd_shell_form",
        line=cmds[-1].line,
        found=cmds[-1].args,
        suggestion=", ".join(f'"{w}"' for w in cmds[-1].args.split()),
    )


@pytest.mark.points(1)
def test_serves_the_page(
    serve_image: Callable[[int], Server],
    submission: Submission,
    image_config: dict[str, Any],
    exercise: Exercise,
) -> None:
    """Le conteneur sert votre page (index.html) sur le port déclaré
    en: The container serves your page (index.html) on the declared port"""
    port = served_port(image_config, exercise)
    server = serve_image(port)
    response = server.get("/", deadline=10)
    assert response.status is not None, hint(
        "ex7.no_answer",
        port=port,
        error=server.problem() or response.error,
        details=tail(server.logs()),
    )
    page = submission.file("index.html")
    expected = page.read_bytes() if page else b""
    yours = response.body == expected or image_files.is_one_of(response.body, submission.folder)
    assert response.status == 200 and yours, hint(
        "ex7.wrong_page", port=port, status=response.status, details=response.text[:500]
    )


@pytest.mark.points(2)
def test_added_size_is_within_budget(
    added_layers: list[dict[str, Any]], exercise: Exercise
) -> None:
    """Les couches ajoutées restent sous le budget de taille
    en: The added layers stay under the size budget"""
    budget = exercise.params["added_mb"]
    size = sum(int(layer.get("Size") or 0) for layer in added_layers) / 1_000_000
    biggest = max(added_layers, key=lambda layer: int(layer.get("Size") or 0), default={})
    assert size <= budget, hint(
        "ex7.too_big",
        size=f"{size:.1f}",
        budget=budget,
        step=str(biggest.get("CreatedBy", "?"))[:120],
    )


@pytest.mark.points(1)
def test_layer_count_is_within_budget(
    added_layers: list[dict[str, Any]], exercise: Exercise
) -> None:
    """Peu de couches (docker history)
    en: Few layers (docker history)"""
    budget = exercise.params["layers"]
    filled = [layer for layer in added_layers if int(layer.get("Size") or 0) > 0]
    listing = "\n".join(str(layer.get("CreatedBy", "?"))[:100] for layer in reversed(filled))
    assert len(filled) <= budget, hint(
        "ex7.too_many_layers", count=len(filled), budget=budget, details=listing
    )


@pytest.mark.advisory
@pytest.mark.points(0)
def test_hadolint_advice(dockerfile: Path) -> None:
    """Conseils de style (hadolint), sans effet sur la note
    en: Style advice (hadolint), no effect on the score"""
    advice = advice_hint(dockerfile)
    assert advice is None, advice
