"""Where the test data lives, and a student repository made of given folders."""

from __future__ import annotations

import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXERCISES = ROOT / "exercises"


def variant(exercise_id: str, name: str) -> Path:
    """A broken variant of a built-in exercise: `exercises/<id>_<slug>/variants/<name>/`."""
    return next(EXERCISES.glob(f"{exercise_id}_*")) / "variants" / name


def variants() -> list[tuple[str, Path]]:
    """Every built-in exercise's variants as (exercise id, folder), sorted by id then name."""
    found = [
        (folder.parent.parent.name.partition("_")[0], folder)
        for folder in EXERCISES.glob("*_*/variants/*")
        if folder.is_dir()
    ]
    return sorted(found, key=lambda pair: (pair[0], pair[1].name))


def make_repo(tmp_path: Path, folders: dict[str, Path], *, root: Path | None = None) -> Path:
    """A student repository under tmp_path holding each `folder name → source` given, and the
    files of `root` (when given, left out of the folders) at the repository's root."""
    repo = tmp_path / "repo"
    repo.mkdir(parents=True, exist_ok=True)
    left_out = ["expect.yaml", *([root.name] if root is not None else [])]
    for name, source in folders.items():
        shutil.copytree(
            source, repo / name, symlinks=True, ignore=shutil.ignore_patterns(*left_out)
        )
    if root is not None:
        shutil.copytree(root, repo, symlinks=True, dirs_exist_ok=True)
    return repo
