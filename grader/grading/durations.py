"""How long each exercise took to grade last time: `check -j N` shares them out by it.

With two workers and one exercise much longer than the others (ex6's database), starting it
last made the run as long as everything before it plus itself; and one pytest child per
exercise cost a second of start-up each, on cores the long one needed. So the exercises are
packed into N groups of about equal time, the longest first (one child per group). The
durations are remembered per exercise and version in the user's cache
(`$XDG_CACHE_HOME/grader/durations.json`, or `$GRADER_DURATIONS_FILE`); one never timed counts
as `DEFAULT_SECONDS`. Only a hint: a missing or unreadable file changes nothing else.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path

from grader.model.catalogue import Exercise

FILE_VARIABLE = "GRADER_DURATIONS_FILE"
DEFAULT_SECONDS = 3.0


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


def pack(
    exercises: Sequence[Exercise], jobs: int, known: Mapping[str, float]
) -> list[list[Exercise]]:
    """`exercises` in at most `jobs` groups of about equal expected time: the longest first,
    each to the group with the least so far (LPT); each group in the catalogue's order."""
    bins: list[tuple[float, list[Exercise]]] = [(0.0, []) for _ in range(max(1, jobs))]
    for exercise in longest_first(exercises, known):
        k = min(range(len(bins)), key=lambda i: bins[i][0])
        total, members = bins[k]
        bins[k] = (total + known.get(key(exercise), DEFAULT_SECONDS), [*members, exercise])
    order = {id(e): i for i, e in enumerate(exercises)}
    longest = sorted((b for b in bins if b[1]), key=lambda b: -b[0])
    return [sorted(members, key=lambda e: order[id(e)]) for _, members in longest]


def remember(seconds: Mapping[str, float], path: Path | None = None) -> None:
    """Keep `seconds` (by `key`) for the next run."""
    path = path or cache_file()
    known = load(path) | {k: round(s, 2) for k, s in seconds.items()}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # a batch's workers grade at once: a reader must never see a half-written file
        part = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}")
        part.write_text(json.dumps(known, indent=1, sort_keys=True), encoding="utf-8")
        os.replace(part, path)
    except OSError:
        pass
