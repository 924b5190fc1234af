"""How late a piece of work is, and what it costs: pure functions over dates.

Kept apart from the batch (which fetches and grades) so that a late policy can be tested, and
explained, without a repository or an engine. The time of a submission is a commit's
*committer* date, which the student's own git writes: see `grader.classroom.checkout`.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field
from typing import Literal

Per = Literal["day", "hour"]
Extension = dt.timedelta | dt.datetime  # added to a deadline, or replacing it
PERIOD: dict[str, dt.timedelta] = {"day": dt.timedelta(days=1), "hour": dt.timedelta(hours=1)}
_DURATION = re.compile(r"(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?")


def parse_duration(text: str) -> dt.timedelta:
    """`15m`, `2d`, `1d12h`, `1h30m` → a timedelta; ValueError otherwise."""
    found = _DURATION.fullmatch(text.strip())
    if not text.strip() or found is None:
        raise ValueError(f"not a duration like 15m, 2h or 1d12h: {text!r}")
    days, hours, minutes = (int(g or 0) for g in found.groups())
    return dt.timedelta(days=days, hours=hours, minutes=minutes)


def parse_moment(text: str) -> dt.datetime:
    """An ISO date-time *with* its offset: a deadline read in another time zone must not move."""
    value = dt.datetime.fromisoformat(text)
    if value.tzinfo is None:
        raise ValueError(f"a date-time needs its offset, e.g. +01:00: {text!r}")
    return value


@dataclass(frozen=True)
class LatePolicy:
    """What lateness costs. `percent` of the exercise's score per started `per` period after
    the deadline (plus `grace`, plus the student's extension), at most `cap` percent. An
    extension is a duration added to every deadline, or a date-time replacing them; or, per
    exercise id, one of those for that exercise alone."""

    grace: dt.timedelta = dt.timedelta(0)
    per: Per = "day"
    percent: float = 0.0
    cap: float = 100.0
    extensions: dict[str, Extension | dict[str, Extension]] = field(default_factory=dict)

    def deadline_for(
        self, student: str, deadline: dt.datetime, exercise: str | None = None
    ) -> dt.datetime:
        """The student's own deadline for `exercise`, before the grace period."""
        found = self.extensions.get(student)
        extension = found.get(exercise or "") if isinstance(found, dict) else found
        if isinstance(extension, dt.datetime):
            return extension
        return deadline + extension if extension is not None else deadline


NONE = LatePolicy()


@dataclass(frozen=True)
class Lateness:
    """One exercise of one student against its deadline."""

    deadline: str  # the course's deadline (ISO)
    submitted_at: str | None  # the committer date of the work graded (ISO), if known
    late_seconds: float = 0.0  # after grace and extension; 0 when on time
    periods: int = 0  # started days (or hours) late
    penalty: float = 0.0  # percent of the exercise's score taken off

    @property
    def late(self) -> bool:
        return self.late_seconds > 0


def assess(
    student: str,
    deadline: dt.datetime,
    submitted_at: dt.datetime | None,
    policy: LatePolicy,
    exercise: str | None = None,
) -> Lateness:
    """The lateness of work committed at `submitted_at`. Unknown dates (a plain folder, not
    a git repository) are taken as on time: the grader cannot tell, and says so by leaving
    `submitted_at` empty."""
    if submitted_at is None:
        return Lateness(deadline.isoformat(), None)
    due = policy.deadline_for(student, deadline, exercise) + policy.grace
    late = (submitted_at - due).total_seconds()
    if late <= 0:
        return Lateness(deadline.isoformat(), submitted_at.isoformat())
    periods = math.ceil(late / PERIOD[policy.per].total_seconds())
    penalty = min(policy.cap, periods * policy.percent)
    return Lateness(deadline.isoformat(), submitted_at.isoformat(), late, periods, penalty)


def describe(late_seconds: float) -> str:
    """`2 d 3 h` — a lateness short enough for a gradebook cell."""
    minutes = math.ceil(late_seconds / 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = [
        f"{days} d" if days else "",
        f"{hours} h" if hours else "",
        f"{minutes} min" if minutes else "",
    ]
    return " ".join(p for p in parts if p) or "0 min"
