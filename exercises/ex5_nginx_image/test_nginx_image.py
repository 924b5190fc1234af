"""Checks of exercise 5: a custom nginx image (seed 004 « Image »)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from grader.authoring import (
    DOCKERFILE_NAMES,
    BuildResult,
    HttpResponse,
    Server,
    Submission,
    advice_hint,
    assert_present,
    base_images,
    build_hint,
    find_dockerfile,
    hint,
    image_files,
    image_tag,
    instructions,
    repository,
    tail,
)

SERVED = "/usr/share/nginx/html/index.html"  # what nginx's default configuration serves at /


@pytest.fixture(scope="module")
def base_image(dockerfile: Path) -> str | None:
    """The image of the last FROM (the one the final image is built on)."""
    found = base_images(dockerfile.read_text(encoding="utf-8", errors="replace"))
    return found[-1] if found else None


@pytest.fixture(scope="module")
def home_page(serve_image: Callable[[int], Server]) -> tuple[Server, HttpResponse]:
    server = serve_image(80)
    return server, server.get("/", deadline=10)


@pytest.mark.points(1)
def test_dockerfile_is_present(submission: Submission) -> None:
    """Le fichier ex5/Dockerfile existe
    en: The file ex5/Dockerfile exists"""
    assert_present(submission, *DOCKERFILE_NAMES, key="common.no_dockerfile")


@pytest.fixture(scope="module")
def your_page(submission: Submission) -> Path | None:
    """The file of the submission that the Dockerfile places where nginx serves `/` (whatever
    its name: `COPY accueil.html /usr/share/nginx/html/index.html`), else `index.html`."""
    dockerfile = find_dockerfile(submission)
    placed = image_files.source_of(dockerfile, SERVED) if dockerfile else None
    return placed or submission.file("index.html")


@pytest.mark.points(1)
def test_index_html_is_present(submission: Submission, your_page: Path | None) -> None:
    """Votre page d'accueil existe (ex5/index.html, ou le fichier que votre COPY y place)
    en: Your home page exists (ex5/index.html, or the file your COPY puts there)"""
    if your_page is None:
        assert_present(submission, "index.html", key="ex5.no_index")


@pytest.mark.points(2)
def test_image_builds(image_build: BuildResult, dockerfile: Path) -> None:
    """L'image se construit (docker build)
    en: The image builds (docker build)"""
    assert image_build.ok, build_hint(image_build, dockerfile)


@pytest.mark.points(1)
def test_base_image_is_nginx(base_image: str | None) -> None:
    """L'image part de nginx (FROM nginx…)
    en: The image starts from nginx (FROM nginx…)"""
    assert base_image is not None, hint("ex5.no_from")
    assert repository(base_image) == "nginx", hint("ex5.not_nginx", found=base_image)


@pytest.mark.points(3)
def test_serves_your_index_html(
    home_page: tuple[Server, HttpResponse], submission: Submission, your_page: Path | None
) -> None:
    """Le conteneur sert votre page, octet pour octet, sur /
    en: The container serves your page, byte for byte, at /"""
    server, response = home_page
    expected = your_page
    assert response.status is not None, hint(
        "ex5.no_answer",
        error=server.problem() or response.error,
        details=tail(server.logs()),
    )
    assert "Welcome to nginx!" not in response.text, hint("ex5.default_page")
    assert response.status == 200, hint("ex5.bad_status", status=response.status)
    wanted = expected.read_bytes() if expected else b""
    if response.body != wanted and image_files.is_one_of(response.body, submission.folder):
        return  # the Dockerfile serves another file of yours (its own nginx configuration…)
    assert response.body == wanted, hint(
        "ex5.different_page",
        served=len(response.body),
        expected=len(wanted),
        file=expected.name if expected else "index.html",
        details=response.text[:500],
    )


@pytest.mark.practice
@pytest.mark.points(1)
def test_base_image_has_an_explicit_tag(base_image: str | None) -> None:
    """L'image de base a un tag explicite (pas latest)
    en: The base image has an explicit tag (not latest)"""
    assert base_image is not None, hint("ex5.no_from")
    tag = image_tag(base_image)
    assert tag is not None, hint("ex5.implicit_latest", image=base_image)
    assert tag != "latest", hint("ex5.explicit_latest", image=base_image)


@pytest.mark.practice
@pytest.mark.points(1)
def test_no_maintainer_instruction(dockerfile: Path) -> None:
    """Pas d'instruction MAINTAINER (obsolète : LABEL)
    en: No MAINTAINER instruction (deprecated: LABEL)"""
    text = dockerfile.read_text(encoding="utf-8", errors="replace")
    found = [i for i in instructions(text) if i.keyword == "MAINTAINER"]
    assert not found, hint("ex5.maintainer", line=found[0].line, author=found[0].args)


@pytest.mark.advisory
@pytest.mark.points(0)
def test_hadolint_advice(dockerfile: Path) -> None:
    """Conseils de style (hadolint), sans effet sur la note
    en: Style advice (hadolint), no effect on the score"""
    advice = advice_hint(dockerfile)
    assert advice is None, advice
