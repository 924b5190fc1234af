"""An exercise tried on its own cases: its reference solution must score full marks, and each
broken variant must leave every check as its `expect.yaml` says — the suite's own meta-test,
made a command a teacher runs (`grader selftest`).

A variant's `expect.yaml` states the status of every check:

    failed:                       # check name → the hint key it must give
      test_image_builds: ex1.build_failed
    not_attempted:
      test_cow_says_hello: common.no_image
    rest: not_attempted           # optional: every check not listed is not attempted
    validated: false              # optional: only good practice lost (default false)
    full_marks: true              # optional: a correct alternative to the reference

Every check not listed must pass (or give advice), unless `rest: not_attempted`; checks not
attempted for want of infrastructure (no cluster here) are allowed anywhere, since they say so.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from grader.model.catalogue import Exercise
from grader.model.hints import SAFE_LOADER
from grader.model.results import ExerciseResult

EXPECT = "expect.yaml"
Grade = Callable[[Exercise, Path], ExerciseResult]


@dataclass(frozen=True)
class Case:
    name: str  # "reference" or the variant's folder name
    folder: Path
    expect: dict[str, Any]  # {} for the reference: full marks

    @property
    def live_only(self) -> bool:
        """A variant only a cluster reveals (graded by the cluster tests)."""
        return bool(self.expect.get("live"))


@dataclass(frozen=True)
class Outcome:
    exercise: str
    case: str
    problems: list[str]  # empty: as expected

    @property
    def ok(self) -> bool:
        return not self.problems


def cases(exercise: Exercise, variants: Path | None = None) -> Iterator[Case]:
    """The reference solution, then every variant (a folder holding `expect.yaml`)."""
    yield Case("reference", exercise.folder / "solution", {})
    folder = variants if variants is not None else exercise.variants
    for path in sorted(folder.glob(f"*/{EXPECT}")) if folder.is_dir() else []:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER) or {}
        yield Case(path.parent.name, path.parent, data if isinstance(data, dict) else {})


def judge(result: ExerciseResult, expect: dict[str, Any]) -> list[str]:
    """What differs between `result` and what the case expects (nothing: as expected)."""
    if result.error:
        return [f"the exercise could not be graded: {result.error.splitlines()[0]}"]
    problems = [
        f"{c.name}: the grader itself failed ({c.hint})"
        for c in result.checks
        if c.status == "error"
    ]
    problems += [
        f"{c.name}: {c.status} without a hint"
        for c in result.checks
        if c.status not in ("passed",) and not c.hint
    ]
    if not expect or expect.get("full_marks"):
        done = ("passed", "advice")
        lost = [c for c in result.checks if c.status not in done and not c.missing_infrastructure]
        problems += [f"{c.name}: {c.status} ({c.hint_key}), expected passed" for c in lost]
        score = result.scored()
        if score.points != score.max_points:
            problems.append(f"{score.points:g}/{score.max_points:g} points, expected full marks")
        if not result.validated(strict=True):
            problems.append("not validated, expected validated")
        return problems
    listed: dict[str, tuple[str, str | None]] = {}
    for status in ("failed", "not_attempted"):
        for name, key in (expect.get(status) or {}).items():
            listed[str(name)] = (status, None if key is None else str(key))
    seen = {c.name: c for c in result.checks}
    for name, (status, key) in listed.items():
        check = seen.get(name)
        if check is None:
            problems.append(f"{name}: no such check")
        elif (check.status, check.hint_key) != (status, key) and not (
            key is None and check.status == status
        ):
            problems.append(f"{name}: {check.status} ({check.hint_key}), expected {status} ({key})")
    rest = expect.get("rest", "passed")
    for check in result.checks:
        if check.name in listed or check.missing_infrastructure:
            continue
        if rest == "not_attempted" and check.status == "not_attempted":
            continue
        if rest != "not_attempted" and check.status in ("passed", "advice"):
            continue
        problems.append(f"{check.name}: {check.status} ({check.hint_key}), not listed in {EXPECT}")
    wanted = bool(expect.get("validated"))
    if result.validated() != wanted:
        problems.append(f"validated is {result.validated()}, expected {wanted}")
    return problems


def run(exercises: list[Exercise], grade: Grade, *, live_too: bool = False) -> list[Outcome]:
    """Grade every case of `exercises` with `grade` and judge it."""
    outcomes = []
    for exercise in exercises:
        for case in cases(exercise):
            if case.live_only and not live_too:
                continue
            result = grade(exercise, case.folder)
            outcomes.append(Outcome(exercise.id, case.name, judge(result, case.expect)))
    return outcomes


def table(outcomes: list[Outcome]) -> str:
    """The outcomes as a teacher reads them: one line per case, then what differs."""
    width = max([len(f"{o.exercise} {o.case}") for o in outcomes] + [10])
    lines = []
    for outcome in outcomes:
        mark = "ok  " if outcome.ok else "FAIL"
        lines.append(f"{mark} {f'{outcome.exercise} {outcome.case}':<{width}}")
        lines += [f"       {problem}" for problem in outcome.problems]
    failed = sum(not o.ok for o in outcomes)
    lines.append(f"{len(outcomes) - failed}/{len(outcomes)} cases as expected")
    return "\n".join(lines) + "\n"
