"""What the runner hands the pytest child: the exercises it grades, as data, beside the JSON
results the child hands back. The catalogue is read once per run, by the runner; the child
builds its own from this file and never scans the exercise folders or the packs again."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from grader.model.catalogue import Catalogue, Exercise, Pack


def write(path: Path, exercises: Sequence[Exercise], packs: Sequence[Pack]) -> bool:
    """Write the hand-off; False (nothing written) when an exercise's settings are not plain
    JSON (a date in a pack's `params`): the child then reads the catalogue itself."""
    data = {"packs": [p.arg() for p in packs], "exercises": [_data(e) for e in exercises]}
    try:
        text = json.dumps(data, ensure_ascii=False)
    except (TypeError, ValueError):
        return False
    path.write_text(text, encoding="utf-8")
    return True


def read(path: Path) -> Catalogue:
    """The catalogue of the exercises handed down (`write`'s inverse)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    exercises = [_exercise(raw) for raw in data["exercises"]]
    return Catalogue(exercises, packs=[Pack.from_arg(arg) for arg in data["packs"]])


def _data(exercise: Exercise) -> dict[str, Any]:
    fields = {f.name: getattr(exercise, f.name) for f in dataclasses.fields(exercise)}
    return {**fields, "folder": str(exercise.folder)}


def _exercise(raw: dict[str, Any]) -> Exercise:
    return Exercise(
        **{
            **raw,
            "folder": Path(raw["folder"]),
            "needs": tuple(raw["needs"]),
            "modes": tuple(raw["modes"]),
        }
    )
