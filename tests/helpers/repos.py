"""Where the test data lives, and a student repository made of given folders."""

from __future__ import annotations

import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SUBMISSIONS = ROOT / "fixtures" / "submissions"


def make_repo(tmp_path: Path, folders: dict[str, Path]) -> Path:
    """A student repository under tmp_path holding each `folder name → source` given."""
    repo = tmp_path / "repo"
    repo.mkdir(parents=True, exist_ok=True)
    for name, source in folders.items():
        shutil.copytree(
            source, repo / name, symlinks=True, ignore=shutil.ignore_patterns("expect.yaml")
        )
    return repo
