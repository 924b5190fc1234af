from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from grader.catalogue import Catalogue
from grader.engine import EngineUnavailable, connect

ROOT = Path(__file__).resolve().parent.parent
SUBMISSIONS = ROOT / "fixtures" / "submissions"


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


def make_repo(tmp_path: Path, folders: dict[str, Path]) -> Path:
    """A student repository under tmp_path holding each `folder name → source` given."""
    repo = tmp_path / "repo"
    repo.mkdir(parents=True, exist_ok=True)
    for name, source in folders.items():
        shutil.copytree(source, repo / name, symlinks=True,
                        ignore=shutil.ignore_patterns("expect.yaml"))  # fmt: skip
    return repo
