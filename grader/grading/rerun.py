"""`grader verify --rerun`: grade a signed report's repository again, compare the verdicts."""

from __future__ import annotations

from pathlib import Path

from grader.grading.runner import grade
from grader.model.catalogue import Catalogue
from grader.model.results import Report


def differences(recorded: Report, again: Report) -> list[str]:
    """What differs between two gradings of the same exercises: the graded files, or a
    check's verdict (one line each); nothing when they agree."""
    before = {e.id: e for e in recorded.exercises}
    found = []
    for exercise in again.exercises:
        old = before[exercise.id]
        if old.tree_digest != exercise.tree_digest:
            found.append(f"{exercise.id}: the graded files changed")
        was = {c.name: c.status for c in old.checks}
        found += [
            f"{exercise.id} {c.name}: {was.get(c.name)} → {c.status}"
            for c in exercise.checks
            if was.get(c.name) != c.status
        ]
    return found


def rerun(recorded: Report, path: Path | None = None) -> list[str]:
    """Re-grade the recorded repository (or `path`, where it is now); what differs."""
    catalogue = Catalogue.load()
    ids = [e.id for e in recorded.exercises if e.id in catalogue]
    again = grade(
        [catalogue.get(i) for i in ids],
        root=path or Path(recorded.root),
        lang=recorded.lang,
        mode=recorded.mode,
        catalogue=catalogue,
    )
    return differences(recorded, again)
