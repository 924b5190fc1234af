from __future__ import annotations

import os
from pathlib import Path

import pytest

from grader.containers.engine import connect
from grader.containers.unavailable import EngineUnavailable
from grader.model.catalogue import Catalogue
from tests.helpers.classes import served
from tests.helpers.gitlab_server import FakeGitLab, serving

# The grader's markers (points, practice, live…), which the shared checks carry; the plugin is
# inert without --grader-run, and it is no longer loaded into every pytest of the environment.
pytest_plugins = ["grader.grading.plugin"]


@pytest.fixture(scope="session", autouse=True)
def _durations_of_the_tests(tmp_path_factory: pytest.TempPathFactory) -> None:
    """The suite's gradings remember their durations apart from the user's (`check -j`)."""
    os.environ["GRADER_DURATIONS_FILE"] = str(tmp_path_factory.mktemp("cache") / "d.json")


@pytest.fixture(scope="session")
def catalogue() -> Catalogue:
    return Catalogue.load()


@pytest.fixture(scope="session")
def engine():  # type: ignore[no-untyped-def]
    """The Docker engine. Without one: skip, unless GRADER_REQUIRE_DOCKER=1 (CI), then fail."""
    try:
        return connect()
    except EngineUnavailable as error:
        if os.environ.get("GRADER_REQUIRE_DOCKER") == "1":
            pytest.fail(f"GRADER_REQUIRE_DOCKER=1 but no Docker engine answers: {error}")
        pytest.skip(f"no Docker engine reachable ({error}); run `bash scripts/setup.sh` first")


@pytest.fixture
def gitlab(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """A local GitLab stand-in serving two students' repositories (tests/gitlab_server.py)."""
    repositories = {
        "course-2026/students/amartin.git": served(tmp_path, "amartin", {"ex1": None}),
        "course-2026/students/groupe-b/bpetit.git": served(
            tmp_path, "bpetit", {"ex1": "forgot_install"}
        ),
    }
    with serving(FakeGitLab("glpat-secret-token", repositories)) as fake:
        monkeypatch.setenv("GITLAB_URL", fake.base)
        monkeypatch.setenv("GRADER_GITLAB_TOKEN", "glpat-secret-token")
        yield fake
