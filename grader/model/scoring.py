"""The one score: what a student's report, the journal, the gradebook and the dashboard show.

A score is points earned out of points at stake, under a `Policy` said out loud: which checks
count. By default the checks nobody could attempt here for want of infrastructure (the
Kubernetes live tier without a cluster, a build an offline stand-in cannot judge) are left out
of the points at stake, for they are not the student's to lose and they are the same for the
whole class; they are shown apart, as points left out. Good practice counts with its points.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from grader.model.results import CheckResult, ExerciseResult

Infrastructure = Literal["left_out", "lost"]
Practice = Literal["counted", "ignored"]


@dataclass(frozen=True)
class Policy:
    """Which checks a score counts.

    - `missing_infrastructure`: `left_out` (default) takes the checks not attempted for want of
      infrastructure out of the points at stake; `lost` counts them as points lost.
    - `practice`: `counted` (default) gives good practice its points; `ignored` scores the
      course's objectives alone.
    """

    missing_infrastructure: Infrastructure = "left_out"
    practice: Practice = "counted"

    def counts(self, check: CheckResult) -> bool:
        if self.practice == "ignored" and check.kind == "practice":
            return False
        return not (self.missing_infrastructure == "left_out" and check.missing_infrastructure)

    def to_dict(self) -> dict[str, str]:
        return {"missing_infrastructure": self.missing_infrastructure, "practice": self.practice}

    @classmethod
    def from_dict(cls, data: Any) -> Policy:
        data = data if isinstance(data, dict) else {}
        infrastructure = data.get("missing_infrastructure", "left_out")
        practice = data.get("practice", "counted")
        if infrastructure not in ("left_out", "lost") or practice not in ("counted", "ignored"):
            raise ValueError(f"unknown score policy {data!r}")
        return cls(missing_infrastructure=infrastructure, practice=practice)


DEFAULT = Policy()


@dataclass(frozen=True)
class Score:
    points: float  # earned
    max_points: float  # at stake under the policy
    left_out: float = 0.0  # points of checks the policy does not count (no cluster here…)

    @property
    def percent(self) -> float:
        return round(100 * self.points / self.max_points, 1) if self.max_points else 0.0

    def __add__(self, other: Score) -> Score:
        return Score(
            self.points + other.points,
            self.max_points + other.max_points,
            self.left_out + other.left_out,
        )


def of_exercise(result: ExerciseResult, policy: Policy = DEFAULT) -> Score:
    """An exercise's score. One that could not be graded at all (no check came back) is out
    of the points its catalogue entry puts at stake, all lost."""
    if not result.checks:  # every check hidden (grader.model.hidden): nothing shown at stake
        return Score(0.0, 0.0 if result.hidden else result.declared_points)
    counted = [c for c in result.checks if policy.counts(c)]
    left_out = sum(c.max_points for c in result.checks if not policy.counts(c))
    return Score(sum(c.points for c in counted), sum(c.max_points for c in counted), left_out)


def total(results: Iterable[ExerciseResult], policy: Policy = DEFAULT) -> Score:
    found = Score(0.0, 0.0)
    for result in results:
        found = found + of_exercise(result, policy)
    return found


def penalised(percent: float, penalty: float) -> float:
    """An exercise's percentage once `penalty` percent of it is taken off (a late policy:
    `grader.model.lateness`). The penalty takes a share of what was earned, so that late work
    never scores below zero and a 10 % penalty on 80 % leaves 72 %."""
    return round(percent * (1 - min(100.0, max(0.0, penalty)) / 100), 1)


def weighted(
    percents: Mapping[str, float], weights: Mapping[str, float], at_stake: Mapping[str, float]
) -> float:
    """A course's total: the weighted mean of its exercises' percentages (weight 1 unless
    `weights` says otherwise). Exercises with nothing at stake here (every check left out by
    the policy) are left out of the mean rather than counted as zero."""
    counted = [i for i in percents if at_stake.get(i, 0) > 0]
    total_weight = sum(weights.get(i, 1.0) for i in counted)
    if not total_weight:
        return 0.0
    return round(sum(percents[i] * weights.get(i, 1.0) for i in counted) / total_weight, 1)


def course_total(
    scores: Mapping[str, Score],
    weights: Mapping[str, float] | None,
    penalties: Mapping[str, float] | None = None,
) -> float:
    """The total in percent. Without a course (`weights` None) it is points earned out of
    points at stake, as it always was; with one, the weighted mean of the exercises'
    percentages, each first `penalised` for lateness."""
    penalties = penalties or {}
    if weights is None and not any(penalties.values()):
        found = Score(0.0, 0.0)
        for score in scores.values():
            found = found + score
        return found.percent
    percents = {i: penalised(s.percent, penalties.get(i, 0.0)) for i, s in scores.items()}
    return weighted(percents, weights or {}, {i: s.max_points for i, s in scores.items()})
