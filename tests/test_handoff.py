"""The hand-off from the pytest child to the runner: every broken one is the grader's failure,
said loudly with the child's own words, never an exercise at 0/0 that counts as successful.

The child here is a real process standing in for pytest (a script given as the interpreter),
which exits as told after writing the results file as told.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from grader.grading import runner
from grader.model.catalogue import Catalogue
from grader.model.results import Report
from grader.model.status import ExitStatus, for_report
from tests.helpers.repos import make_repo

CHILD = """#!/bin/sh
out=""
while [ $# -gt 0 ]; do
  if [ "$1" = "--grader-out" ]; then out="$2"; fi
  shift
done
echo "Traceback (most recent call last): boom in the child" >&2
{write}
exit {code}
"""


def _grade_with_child(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, write: str, code: int
) -> Report:
    child = tmp_path / "child.sh"
    child.write_text(CHILD.format(write=write, code=code), encoding="utf-8")
    child.chmod(0o755)
    monkeypatch.setattr(sys, "executable", str(child))
    catalogue = Catalogue.load()
    exercise = catalogue.get("ex15")
    root = make_repo(tmp_path, {"ex15": exercise.folder / "solution"})
    return runner.grade([exercise], root=root, catalogue=catalogue, lang="en")


@pytest.mark.parametrize(
    ("write", "code", "why"),
    [
        ("", 0, "the checks wrote no results"),
        (': > "$out"', 0, "the results are not valid"),
        (
            'printf \'{"exercises": [{"id": "ex15", "checks": [{"na\' > "$out"',
            1,
            "the results are not valid",
        ),
        ('printf \'{"grader_version": "1"}\' > "$out"', 0, "the results are not valid"),
        ('printf \'{"exercises": []}\' > "$out"', 0, "no result came back from the checks"),
        ("", 3, "pytest exit status 3"),
    ],
    ids=["missing", "empty", "corrupted", "no-exercises-key", "nothing-for-the-exercise", "crash"],
)
def test_a_broken_hand_off_is_an_error_with_the_childs_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, write: str, code: int, why: str
) -> None:
    report = _grade_with_child(tmp_path, monkeypatch, write, code)
    result = report.exercises[0]
    assert result.error is not None and "not your fault" in result.error
    assert why in result.error, result.error
    if why != "no result came back from the checks":
        assert "boom in the child" in result.error  # the child's stderr, kept for it
    assert not result.successful and result.verdict() == "not_validated"
    score = result.scored()
    assert (score.points, score.max_points) == (0, Catalogue.load().get("ex15").points)
    assert for_report(report) == ExitStatus.NOT_VALIDATED
