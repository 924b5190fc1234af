"""Hidden checks: graded by the teacher, kept out of a student's own feedback until a date.

A course hides checks (or whole exercises) until a moment: by default the exercise's
deadline; with neither, until the teacher releases them (`grader release`). Before that, a
student's `grader check` does not *run* them at all, so nothing about them — title, hint,
log, points, pass or fail, exit status — can reach any report or the job log; the report
says only how many there are, and until when. The teacher's batch grades everything.

Otter and nbgrader leak hidden tests through their feedback (students told "all passed"
while hidden tests failed): not running them is what makes a leak impossible, rather than
filtering what was run.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

EVERY = "*"  # every check of the exercise, in the pytest child's argument


@dataclass(frozen=True)
class Hiding:
    """What one exercise hides: `checks` (their function names), or every check (None);
    until `until` (None: until released)."""

    checks: frozenset[str] | None = None
    until: dt.datetime | None = None

    def active(self, now: dt.datetime) -> bool:
        return self.until is None or now < self.until

    def hides(self, check: str) -> bool:
        return self.checks is None or check in self.checks

    def arg(self, exercise_id: str) -> str:
        """`ex4=test_a,test_b@2026-12-01T23:59:00+01:00` or `ex9=*`: the pytest child's
        `--grader-hidden` value (with the date, so that its result comes back complete)."""
        names = EVERY if self.checks is None else ",".join(sorted(self.checks))
        return f"{exercise_id}={names}" + (f"@{self.until.isoformat()}" if self.until else "")

    @property
    def until_text(self) -> str | None:
        """`until` as a report records it (`hidden_until`): ISO, or None (until released)."""
        return self.until.isoformat() if self.until else None


def active(
    hidings: Mapping[str, Hiding], now: dt.datetime, released: Iterable[str] = ()
) -> dict[str, Hiding]:
    """The hidings still in force at `now`: neither past their date nor released."""
    out = set(released)
    return {i: h for i, h in hidings.items() if h.active(now) and i not in out and "all" not in out}


def from_arg(value: str) -> tuple[str, Hiding]:
    """The exercise id and hiding of a `--grader-hidden` value (`arg`'s inverse; the child is
    given only what is hidden now, and until when, for its result)."""
    exercise_id, _, rest = value.partition("=")
    names, _, until = rest.partition("@")
    checks = None if names == EVERY else frozenset(n for n in names.split(",") if n)
    return exercise_id, Hiding(checks, dt.datetime.fromisoformat(until) if until else None)
