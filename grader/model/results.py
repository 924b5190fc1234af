"""The one result model: every report format is rendered from these dataclasses.

The JSON form (`Report.to_dict`) is the documented, versioned schema; see
`docs/report-schema.md`. Results coming back from the pytest subprocess are *data*:
`Report.from_dict` validates their shape and never evaluates anything.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from grader.model import scoring
from grader.model.hints import INFRASTRUCTURE, Infrastructure
from grader.model.lateness import Lateness

SCHEMA_VERSION = 3  # 3: points at stake under a score policy (grader.model.scoring)

Status = Literal["passed", "failed", "not_attempted", "error", "advice"]
STATUSES: tuple[Status, ...] = ("passed", "failed", "not_attempted", "error", "advice")
# What a check stands for. An *objective* is what the course asks: all must pass for the
# exercise to be validated. *Good practice* is what the statements recommend: it carries its
# points and a lost one shows as a warning, but it never turns a validated exercise into a
# failed one (unless the grading is strict).
Kind = Literal["objective", "practice"]
KINDS: tuple[Kind, ...] = ("objective", "practice")
# Statuses that keep a check from counting as done.
UNSUCCESSFUL: frozenset[str] = frozenset({"failed", "not_attempted", "error"})
# The verdicts of an exercise that is not validated: for the student's work, or for the want of
# it where it was due (named on the command line, or past its deadline).
FAILED_VERDICTS: frozenset[str] = frozenset(
    {"not_validated", "not_started_asked", "not_started_late"}
)


@dataclass
class CheckResult:
    name: str  # the check function's name, stable across versions
    title: str  # the docstring, shown to the student
    status: Status
    points: float  # earned
    max_points: float
    hint: str | None = None  # rendered in the report's language
    hint_key: str | None = None
    details: str | None = None  # log excerpt (build output, container output, ...)
    duration: float = 0.0
    kind: Kind = "objective"
    file: str | None = None  # the file the hint is about, when the check knows it
    lines: list[int] = field(default_factory=list)  # its lines (hadolint's findings…)
    # Declared by the hint's message (`infrastructure:` in the catalogue): `missing` — not
    # attempted for want of infrastructure, not because of the student's work (no cluster here,
    # no registry…), shown with the points at stake, never blocking validation; `unjudged` — and
    # it leaves the exercise itself unjudged (a build an offline stand-in cannot judge, an image
    # that cannot be had offline): neither validated nor failed (exit status 3), where a
    # missing cluster only takes the live tier away.
    infrastructure: Infrastructure | None = None

    def shown(self, strict: bool = False) -> str:
        """The status a report shows: a good-practice check that failed is a *warning*
        (unless the grading is strict)."""
        if self.status == "failed" and self.kind == "practice" and not strict:
            return "warning"
        return self.status

    @property
    def missing_infrastructure(self) -> bool:
        return self.status == "not_attempted" and self.infrastructure is not None


@dataclass
class ExerciseResult:
    id: str
    title: str
    version: str
    submission: str  # the folder graded, as given
    checks: list[CheckResult] = field(default_factory=list)
    standins: list[str] = field(default_factory=list)  # offline stand-in images used
    notes: list[str] = field(default_factory=list)  # the grader's remarks on how it graded
    error: str | None = None  # the exercise could not be graded at all
    tree_digest: str | None = None  # sha256 of the graded files (grader.grading.provenance)
    declared_points: float = 0.0  # what the catalogue puts at stake (lost if nothing came back)
    # Checks the course hides from the student until a date: not run, only counted (never
    # their names, titles or points: grader.model.hidden). `hidden_until`: ISO, or None (until
    # the teacher releases them).
    hidden: int = 0
    hidden_until: str | None = None
    # Not started: its folder is missing or holds only what `grader init` wrote, unchanged
    # (grader.grading.started); no check ran, its points are at stake, none earned. `due`: why
    # it counts as not validated all the same — "asked" (named on the command line) or "late"
    # (past the course's deadline); None: the student may still do it, it fails nothing.
    not_started: bool = False
    due: str | None = None

    def scored(self, policy: scoring.Policy = scoring.DEFAULT) -> scoring.Score:
        """The exercise's score under `policy` (see `grader.model.scoring`)."""
        return scoring.of_exercise(self, policy)

    @property
    def all_points(self) -> float:
        """Every check's points, whatever the policy: the catalogue's figure when all came back."""
        return sum(c.max_points for c in self.checks)

    def blocking(self, strict: bool = False) -> list[CheckResult]:
        """The checks that keep the exercise from being validated: objectives (every check
        when `strict`) not done, except those not attempted for want of infrastructure."""
        return [
            c
            for c in self.checks
            if c.status in UNSUCCESSFUL
            and not c.missing_infrastructure
            and (strict or c.kind == "objective")
        ]

    def judged(self) -> bool:
        """The student's work could really be checked: the grading ran, at least one objective
        was attempted, and none was left unjudged by an offline stand-in."""
        objectives = [c for c in self.checks if c.kind == "objective"]
        unjudged = any(
            c.missing_infrastructure and c.infrastructure == "unjudged" for c in self.checks
        )
        return (
            self.error is None
            and not unjudged
            and any(not c.missing_infrastructure for c in objectives)
        )

    def validated(self, strict: bool = False) -> bool:
        """Every objective of the course is met (and every good practice, when `strict`)."""
        return self.judged() and not self.blocking(strict)

    def verdict(self, strict: bool = False) -> str:
        """`validated`, `not_validated` (the student's work falls short), `not_judged`
        (nothing falls short, but it could not all be judged here), or `hidden` (every check
        is hidden until a date), or, when not started, `not_started` (it fails nothing yet) or
        `not_started_asked` / `not_started_late` (not validated)."""
        if self.not_started:
            return "not_started" if self.due is None else f"not_started_{self.due}"
        if self.hidden and not self.checks and self.error is None:
            return "hidden"
        if self.validated(strict):
            return "validated"
        return "not_validated" if self.error or self.blocking(strict) else "not_judged"

    @property
    def successful(self) -> bool:
        """Every check that could be attempted here passed, good practice included, and none
        is hidden: a student is never told "all passed" while hidden checks wait."""
        return self.validated(strict=True) and not self.hidden

    @property
    def waiting(self) -> bool:
        """Not started, and not due yet: left out of the exit status and of the verdict."""
        return self.not_started and self.due is None

    def count(self, status: str, *, strict: bool = False) -> int:
        """How many checks a report shows with `status` (`warning` included)."""
        return sum(c.shown(strict) == status for c in self.checks)

    def points_in(self, status: str) -> float:
        """The points at stake in the checks with `status` (e.g. not attempted)."""
        return sum(c.max_points for c in self.checks if c.status == status)


@dataclass
class Report:
    grader_version: str
    lang: str
    mode: str  # "files" or "live"
    root: str  # the student repository graded
    started_at: str
    duration: float = 0.0
    exercises: list[ExerciseResult] = field(default_factory=list)
    schema_version: int = SCHEMA_VERSION
    commit: str | None = None  # the student repository's HEAD, when it is a git repository
    environment: dict[str, str] = field(default_factory=dict)  # engine, python, platform
    strict: bool = False  # good practice counted for validation too (--strict)
    policy: scoring.Policy = scoring.DEFAULT  # which checks the score counts
    weights: dict[str, float] = field(default_factory=dict)  # a course's; {}: no course
    # Per exercise with a course deadline, how late the work was, when the grading was told
    # whose it is (a batch): the journal records it; no report format shows it.
    lateness: dict[str, Lateness] = field(default_factory=dict)

    def scored(self) -> scoring.Score:
        """The report's score, under its policy: the one the gradebook shows too."""
        return scoring.total(self.exercises, self.policy)

    def exercise_score(self, exercise: ExerciseResult) -> scoring.Score:
        return exercise.scored(self.policy)

    @property
    def started(self) -> list[ExerciseResult]:
        """The exercises that count for the verdict: all but those not started and not due."""
        return [e for e in self.exercises if not e.waiting]

    @property
    def successful(self) -> bool:
        return all(e.successful for e in self.started)

    @property
    def validated(self) -> bool:
        """Every exercise graded is validated (under this report's strictness); one not started
        yet is not graded."""
        return all(e.validated(self.strict) for e in self.started)

    @property
    def failed(self) -> bool:
        """Some exercise is not validated for the student's work (not merely unjudged), or is
        due and not started."""
        return any(e.verdict(self.strict) in FAILED_VERDICTS for e in self.exercises)

    def count(self, status: str) -> int:
        return sum(e.count(status, strict=self.strict) for e in self.exercises)

    def points_in(self, status: str) -> float:
        return sum(e.points_in(status) for e in self.exercises)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        del data["lateness"]  # the journal's (`grader.classroom.journal`)
        data["policy"] = self.policy.to_dict()
        score = self.scored()
        data["totals"] = {
            "points": score.points,
            "max_points": score.max_points,
            "score": self.score,
            "points_left_out": score.left_out,
            **{status: self.count(status) for status in (*STATUSES, "warning")},
            "points_not_attempted": self.points_in("not_attempted"),
            "validated": sum(e.validated(self.strict) for e in self.exercises),
            "hidden": sum(e.hidden for e in self.exercises),
            "not_started": sum(e.not_started for e in self.exercises),
        }
        for exercise, raw in zip(self.exercises, data["exercises"], strict=True):
            scored = exercise.scored(self.policy)
            raw["points"], raw["max_points"] = scored.points, scored.max_points
            raw["points_left_out"] = scored.left_out
            raw["validated"] = exercise.validated(self.strict)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Report:
        exercises = [exercise_from(e) for e in data["exercises"]]
        fields = {k: data[k] for k in ("grader_version", "lang", "mode", "root", "started_at")}
        return cls(
            **fields,
            duration=float(data.get("duration", 0.0)),
            exercises=exercises,
            commit=_opt(data.get("commit")),
            strict=bool(data.get("strict", False)),
            policy=scoring.Policy.from_dict(data.get("policy")),
            weights={str(k): float(v) for k, v in (data.get("weights") or {}).items()},
            environment={str(k): str(v) for k, v in (data.get("environment") or {}).items()},
        )

    @property
    def score(self) -> float:
        """Points earned, in percent of the points at stake (under the report's policy); with a
        course, the weighted mean of the exercises' percentages (`scoring.course_total`)."""
        scores = {e.id: e.scored(self.policy) for e in self.exercises}
        return scoring.course_total(scores, self.weights or None)


def exercise_from(data: dict[str, Any]) -> ExerciseResult:
    checks = [check_from(c) for c in data.get("checks", [])]
    return ExerciseResult(
        id=str(data["id"]),
        title=str(data["title"]),
        version=str(data["version"]),
        submission=str(data["submission"]),
        checks=checks,
        standins=[str(s) for s in data.get("standins", [])],
        notes=[str(s) for s in data.get("notes", [])],
        error=None if data.get("error") is None else str(data["error"]),
        tree_digest=_opt(data.get("tree_digest")),
        declared_points=float(data.get("declared_points", 0.0)),
        hidden=int(data.get("hidden", 0)),
        hidden_until=_opt(data.get("hidden_until")),
        not_started=bool(data.get("not_started", False)),
        due=_due(data.get("due")),
    )


def check_from(data: dict[str, Any]) -> CheckResult:
    status = data["status"]
    if status not in STATUSES:
        raise ValueError(f"unknown check status {status!r}")
    return CheckResult(
        name=str(data["name"]),
        title=str(data["title"]),
        status=status,
        points=float(data["points"]),
        max_points=float(data["max_points"]),
        hint=_opt(data.get("hint")),
        hint_key=_opt(data.get("hint_key")),
        details=_opt(data.get("details")),
        duration=float(data.get("duration", 0.0)),
        kind=_kind(data.get("kind", "objective")),
        file=_opt(data.get("file")),
        lines=[int(n) for n in data.get("lines") or []],
        infrastructure=_infrastructure(data.get("infrastructure")),
    )


def _kind(value: Any) -> Kind:
    if value not in KINDS:
        raise ValueError(f"unknown check kind {value!r}")
    return value  # type: ignore[no-any-return]


def _infrastructure(value: Any) -> Infrastructure | None:
    if value not in (None, *INFRASTRUCTURE):
        raise ValueError(f"unknown infrastructure {value!r}")
    return value  # type: ignore[no-any-return]


def _due(value: Any) -> str | None:
    if value not in (None, "asked", "late"):
        raise ValueError(f"unknown reason an exercise is due {value!r}")
    return None if value is None else str(value)


def _opt(value: Any) -> str | None:
    return None if value is None else str(value)
