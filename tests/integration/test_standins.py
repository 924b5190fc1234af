"""Offline stand-ins behave like the image the student named, or say they cannot: real builds
on the engine (a Debian release other than the default is debootstrapped once, ~1 min, then
kept as `local/debian:<codename>`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.containers import images
from grader.containers.engine import BuildResult, Client, build_image
from grader.grading.runner import grade
from grader.model.catalogue import Catalogue
from grader.model.results import ExerciseResult
from tests.helpers.repos import make_repo

pytestmark = pytest.mark.docker


def _build(engine: Client, tmp_path: Path, dockerfile: str) -> BuildResult:
    (tmp_path / "Dockerfile").write_text(dockerfile, encoding="utf-8")
    for ref in images.base_images(dockerfile):
        images.ensure_standin(engine, ref)
    tag = f"grader-standin-test-{tmp_path.name.lower()}:latest"
    result = build_image(engine, tmp_path, tag=tag)
    if result.ok:
        engine.images.remove(tag, force=True)
    return result


def _grade_ex1(tmp_path: Path, dockerfile: str) -> ExerciseResult:
    source = tmp_path / "ex1"
    source.mkdir()
    (source / "Dockerfile").write_text(dockerfile, encoding="utf-8")
    catalogue = Catalogue.load()
    exercise = catalogue.get("ex1")
    repo = make_repo(tmp_path / "student", {exercise.submission: source})
    return grade([exercise], root=repo, catalogue=catalogue).exercises[0]


def test_a_bullseye_image_really_is_bullseye(engine: Client, tmp_path: Path) -> None:
    build = _build(
        engine, tmp_path, "FROM debian:bullseye-slim\nRUN grep -q bullseye /etc/os-release\n"
    )
    assert build.ok, build.log
    sources = engine.containers.run("debian:bullseye-slim", ["cat", "/etc/apt/sources.list"],
                                    remove=True).decode()  # fmt: skip
    mirror = images.discover_mirror()
    assert mirror is not None and f"deb {mirror.archive} bullseye main" in sources


def test_apt_get_update_on_buster_fails_as_with_the_real_image(
    engine: Client, tmp_path: Path
) -> None:
    build = _build(engine, tmp_path, "FROM debian:buster\nRUN apt-get update\n")
    assert not build.ok
    assert "buster Release' does not have a Release file" in build.log
    assert "returned a non-zero code: 100" in (build.error or "")


def test_an_ubuntu_package_version_is_not_attempted_offline_never_failed(
    tmp_path: Path, engine: Client
) -> None:
    result = _grade_ex1(tmp_path, "FROM ubuntu:20.04\n"
                        "RUN apt-get update && apt-get install -y cowsay=3.03+dfsg2-7\n")  # fmt: skip
    checks = {c.name: c for c in result.checks}
    build = checks["test_image_builds"]
    assert (build.status, build.hint_key) == ("not_attempted", "common.standin_cannot_judge")
    assert "ubuntu:20.04" in (build.hint or "") and "3.03+dfsg2-7" in (build.hint or "")
    assert not [c for c in result.checks if c.status == "failed"]
    assert result.verdict() == "not_judged"  # neither validated nor failed
    assert any(
        s.startswith("ubuntu:20.04 (Debian bookworm for Ubuntu 20.04") for s in result.standins
    )


def test_a_misspelled_package_on_debian_bookworm_still_fails(
    tmp_path: Path, engine: Client
) -> None:
    result = _grade_ex1(tmp_path, "FROM debian:bookworm\n"
                        "RUN apt-get update && apt-get install -y cowsey\n")  # fmt: skip
    build = next(c for c in result.checks if c.name == "test_image_builds")
    assert (build.status, build.hint_key) == ("failed", "common.build_unknown_package")
    assert "debian:bookworm (Debian bookworm, the release of the real image)" in result.standins


def test_an_end_of_life_ubuntu_fails_as_with_the_real_image_a_supported_one_builds(
    tmp_path: Path, engine: Client
) -> None:
    if images.ubuntu_release("trusty") != "gone":
        pytest.skip(
            f"{images.ubuntu_archive()} did not answer 404 for trusty from this machine "
            "(unreachable?): the grader then plays ubuntu:14.04 with Debian as before"
        )
    install = "RUN apt-get update && apt-get install -y cowsay\n"
    result = _grade_ex1(tmp_path, "FROM ubuntu:14.04\n" + install)
    build = next(c for c in result.checks if c.name == "test_image_builds")
    assert (build.status, build.hint_key) == ("failed", "common.build_release_gone")
    assert "trusty" in (build.hint or "")
    assert (
        "ubuntu:14.04 (Ubuntu trusty, end of life: apt sources no longer served)" in result.standins
    )
    assert result.verdict() == "not_validated"
    xenial = tmp_path / "xenial"
    xenial.mkdir()
    built = _build(engine, xenial, "FROM ubuntu:16.04\n" + install)
    assert built.ok, built.log


@pytest.mark.parametrize(
    "command",
    [["start-notebook.sh", "--NotebookApp.token="], ["start-notebook.py", "--ServerApp.token="],
     ["start.sh", "jupyter", "lab", "--ServerApp.token="],
     ["jupyter", "lab", "--ip=0.0.0.0", "--no-browser", "--IdentityProvider.token="]],
)  # fmt: skip
def test_the_jupyter_stand_in_takes_the_official_images_commands(
    engine: Client, command: list[str]
) -> None:
    images.ensure_standin(engine, "jupyter/base-notebook:latest")
    probe = (
        "import time, urllib.request\nfor _ in range(60):\n    try:\n"
        "        print(urllib.request.urlopen('http://127.0.0.1:8888/api/contents').status)\n"
        "        break\n    except OSError:\n        time.sleep(0.5)\n"
    )
    container = engine.containers.run("jupyter/base-notebook:latest", command, detach=True)
    try:
        answer = container.exec_run(["python3", "-c", probe])
        assert answer.output.decode().strip() == "200", container.logs().decode()
    finally:
        container.remove(force=True)
