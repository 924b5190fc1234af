"""How a course grades: one object from the command line (or a batch) into `grade()`.

A course file says once what would otherwise travel as five loose values — strictness, the
checks hidden from students, the weights, the deadlines and the late policy. `CoursePolicy.of`
reads them from the course (or the defaults, without one) and folds in the command line's
`--strict` (itself defaulting to `$GRADER_STRICT`) once; the grading fills the report from it,
so the report comes back complete.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from grader.model import lateness
from grader.model.hidden import Hiding

if TYPE_CHECKING:
    from grader.model.course import Course


@dataclass(frozen=True)
class CoursePolicy:
    strict: bool = False  # good practice counts for validation too
    hidden: Mapping[str, Hiding] = field(default_factory=dict)  # per exercise, hidden now
    weights: Mapping[str, float] | None = None  # a course's; None: no course
    deadlines: Mapping[str, dt.datetime] = field(default_factory=dict)  # per exercise
    late: lateness.LatePolicy = lateness.NONE

    @classmethod
    def of(cls, course: Course | None, *, strict: bool = False, hide: bool = False) -> CoursePolicy:
        """The policy of `course` (None: every default), strict if either says so; with
        `hide` (a student's own report), the checks the course hides at this moment."""
        if course is None:
            return cls(strict=strict)
        return cls(
            strict=strict or course.strict,
            hidden=course.hidden_now() if hide else {},
            weights=course.weights(),
            deadlines=course.deadlines(),
            late=course.late,
        )

    def weights_of(self, ids: list[str]) -> dict[str, float]:
        """The weight of each of `ids` as a report records it ({}: no course)."""
        if self.weights is None:
            return {}
        return {i: self.weights.get(i, 1.0) for i in ids}

    def lateness(
        self, student: str, dates: Mapping[str, dt.datetime]
    ) -> dict[str, lateness.Lateness]:
        """The lateness of each exercise with a deadline, for `student` (whose extensions
        apply), from the dates its work was committed (`grader.grading.provenance`); pure,
        so that a late policy is tested without git or an engine."""
        return {
            i: lateness.assess(student, deadline, dates.get(i), self.late, i)
            for i, deadline in self.deadlines.items()
        }


DEFAULT = CoursePolicy()
