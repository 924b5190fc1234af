"""Every exercise is self-tested on the real engine: the reference solution scores full marks,
every broken variant in exercises/<id>_<slug>/variants/ fails the checks it should, with the hints
it should (its expect.yaml), and leaves the exercise not validated unless it says
`validated: true` (only good practice lost); a variant marked `full_marks: true` is a correct
alternative."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from grader.grading.runner import grade
from grader.model.catalogue import Catalogue
from grader.model.results import ExerciseResult, exercise_from
from grader.teaching.selftest import judge
from tests.helpers.repos import make_repo, variants
from tests.helpers.sample import SampleRun

pytestmark = pytest.mark.docker


def _marks(exercise_id: str) -> list[pytest.MarkDecorator]:
    """A Kubernetes exercise graded without a cluster needs no engine."""
    needs = Catalogue.load().get(exercise_id).needs
    return [pytest.mark.engine_free] if "docker" not in needs else []


def _variants() -> list[object]:
    """Every variant but those only a cluster reveals (`live: true`: tests/integration/
    test_cluster.py grades them on one)."""
    return [
        pytest.param(
            exercise_id,
            folder,
            id=f"{exercise_id}-{folder.name}",
            marks=_marks(exercise_id),
        )
        for exercise_id, folder in variants()
        if (folder / "expect.yaml").is_file()
        and not (yaml.safe_load((folder / "expect.yaml").read_text(encoding="utf-8")) or {}).get(
            "live"
        )
    ]


def _full_marks_here(result: ExerciseResult) -> bool:
    """Every point that counts here is earned: the live Kubernetes checks, when no cluster is
    given, are not attempted and left out of the score; they must say so, never pass."""
    live = [c for c in result.checks if c.hint_key == "common.no_cluster"]
    assert all(c.status == "not_attempted" for c in live)
    score = result.scored()
    assert score.left_out == sum(c.max_points for c in live)
    return score.points == score.max_points > 0


def _grade(catalogue: Catalogue, exercise_id: str, source: Path, tmp_path: Path) -> ExerciseResult:
    exercise = catalogue.get(exercise_id)
    repo = make_repo(tmp_path, {exercise.submission: source})
    report = grade([exercise], root=repo, catalogue=catalogue)
    return report.exercises[0]


@pytest.mark.parametrize(
    "exercise_id",
    [pytest.param(e.id, marks=_marks(e.id)) for e in Catalogue.load() if "files" in e.modes],
)
def test_reference_solution_scores_full_marks(
    catalogue: Catalogue, exercise_id: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """Every check passed but the live Kubernetes ones, not attempted without a cluster and
    left out of the score. An exercise that needs the engine is read from the one grading of
    the bundled sample, which is the reference solutions (tests/test_catalogue.py keeps them
    the same); a Kubernetes exercise's static tier is graded here, without an engine."""
    exercise = catalogue.get(exercise_id)
    if "docker" in exercise.needs:
        sample_run: SampleRun = request.getfixturevalue("sample_run")
        result = exercise_from(sample_run.exercise(exercise_id))
    else:
        result = _grade(catalogue, exercise_id, exercise.folder / "solution", tmp_path)
    failures = [
        (c.name, c.status, c.hint)
        for c in result.checks
        if c.status not in ("passed", "advice") and c.hint_key != "common.no_cluster"
    ]
    assert failures == []
    assert result.validated() and result.validated(strict=True)
    assert result.all_points == exercise.points
    assert _full_marks_here(result)


@pytest.mark.parametrize(("exercise_id", "variant"), _variants())
def test_broken_variant_fails_the_expected_check_with_the_expected_hint(
    catalogue: Catalogue, exercise_id: str, variant: Path, tmp_path: Path
) -> None:
    """Every check as expect.yaml says (grader.teaching.selftest.judge): the ones it lists with their
    hints, and every other one passed (or, with `rest: not_attempted`, not attempted)."""
    expect = yaml.safe_load((variant / "expect.yaml").read_text(encoding="utf-8")) or {}
    result = _grade(catalogue, exercise_id, variant, tmp_path)
    assert judge(result, expect) == []
    if expect.get("full_marks"):  # a correct alternative to the reference solution
        assert _full_marks_here(result)
    elif result.judged():  # (a variant a stand-in cannot judge loses nothing: it is left out)
        assert result.scored().points < result.scored().max_points
