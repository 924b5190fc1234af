"""How long each exercise took to grade last time: `check -j N` starts the longest first.

With two workers and one exercise much longer than the others (ex6's database), starting it
last made the run as long as everything before it plus itself; started first, the others
are graded beside it. The durations are remembered per exercise and version in the user's
cache (`$XDG_CACHE_HOME/grader/durations.json`); unknown ones keep the catalogue's order.
Only an ordering hint: a missing or unreadable file changes nothing else.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from grader.model.catalogue import Exercise

FILE_VARIABLE = "GRADER_DURATIONS_FILE"


def cache_file() -> Path:
    """`$GRADER_DURATIONS_FILE`, else the user's cache."""
    if os.environ.get(FILE_VARIABLE):
        return Path(os.environ[FILE_VARIABLE])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "grader" / "durations.json"


def key(exercise: Exercise) -> str:
    return f"{exercise.id}@{exercise.version}"


def load(path: Path | None = None) -> dict[str, float]:
    try:
        data = json.loads((path or cache_file()).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {str(k): float(v) for k, v in data.items() if isinstance(v, int | float)}


def longest_first(exercises: Sequence[Exercise], known: Mapping[str, float]) -> list[Exercise]:
    """`exercises`, the longest last time first; those never timed keep their order, after."""
    return sorted(exercises, key=lambda e: -known.get(key(e), 0.0))


def remember(seconds: Mapping[str, float], path: Path | None = None) -> None:
    """Keep `seconds` (by `key`) for the next run."""
    path = path or cache_file()
    known = load(path) | {k: round(s, 2) for k, s in seconds.items()}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(known, indent=1, sort_keys=True), encoding="utf-8")
    except OSError:
        pass
