"""The exercise catalogue: each folder `exercises/<id>_<slug>/` with its `exercise.yaml`."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from grader.hints import SAFE_LOADER, Messages
from grader.paths import exercises_dir, messages_file

_FOLDER = re.compile(r"^(ex\d+)_[a-z0-9_]+$")


class CatalogueError(Exception):
    """An exercise folder is malformed (a problem of the grader, not of a student)."""


@dataclass(frozen=True)
class Exercise:
    id: str
    folder: Path
    title: dict[str, str]
    points: int
    needs: tuple[str, ...]
    submission: str
    version: str = "1"
    modes: tuple[str, ...] = ("files",)
    timeout: int = 300
    params: dict[str, Any] = field(default_factory=dict, hash=False)  # exercise settings
    # The total of `--live` when it grades less than the files do (Kubernetes: what is deployed
    # is graded by the live checks only, not by the manifests' static ones).
    live_points: int | None = None

    def title_in(self, lang: str) -> str:
        return self.title.get(lang) or self.title["fr"]

    def points_in(self, mode: str) -> int:
        return self.live_points if mode == "live" and self.live_points is not None else self.points

    @property
    def check_modules(self) -> list[Path]:
        return sorted(self.folder.glob("test_*.py"))

    @property
    def number(self) -> int:
        return int(self.id[2:])


def load_exercise(folder: Path) -> Exercise:
    match = _FOLDER.match(folder.name)
    if not match:
        raise CatalogueError(f"{folder}: folder name must look like ex1_cowsay")
    try:
        data = yaml.load((folder / "exercise.yaml").read_text(encoding="utf-8"), Loader=SAFE_LOADER)
        exercise = Exercise(
            id=data["id"],
            folder=folder,
            title=dict(data["title"]),
            points=int(data["points"]),
            needs=tuple(data.get("needs", ["docker"])),
            submission=str(data.get("submission", data["id"])),
            version=str(data.get("version", "1")),
            modes=tuple(data.get("modes", ["files"])),
            timeout=int(data.get("timeout", 300)),
            params=dict(data.get("params") or {}),
            live_points=int(data["live_points"]) if "live_points" in data else None,
        )
    except (OSError, yaml.YAMLError, KeyError, TypeError, ValueError) as error:
        raise CatalogueError(f"{folder / 'exercise.yaml'}: {error}") from error
    if exercise.id != match.group(1):
        raise CatalogueError(f"{folder}: id {exercise.id!r} does not match the folder name")
    return exercise


class Catalogue:
    def __init__(self, exercises: list[Exercise]) -> None:
        self._by_id = {e.id: e for e in sorted(exercises, key=lambda e: e.number)}

    @classmethod
    def load(cls, root: Path | None = None) -> Catalogue:
        root = root or exercises_dir()
        folders = [p for p in root.iterdir() if (p / "exercise.yaml").is_file()]
        return cls([load_exercise(p) for p in folders])

    def __iter__(self) -> Iterator[Exercise]:
        return iter(self._by_id.values())

    def __contains__(self, exercise_id: object) -> bool:
        return exercise_id in self._by_id

    def get(self, exercise_id: str) -> Exercise:
        return self._by_id[exercise_id]

    def ids(self) -> list[str]:
        return list(self._by_id)

    def messages(self) -> Messages:
        sources = [("common", messages_file())]
        sources += [(e.id, e.folder / "messages.yaml") for e in self]
        return Messages.load(sources)
