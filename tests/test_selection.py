"""What the commands ask of the library before any grading (grader.grading.selection,
grader.classroom.batch_run, grader.classroom.merge_run): the exercises and mode chosen, and
each refusal said in one line, exit 2 — no engine needed."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.classroom import batch_run, merge_run, shards
from grader.cli import main
from grader.grading import selection
from grader.model.catalogue import Catalogue
from grader.model.status import CannotGrade

CATALOGUE = Catalogue.load()


def _select(*ids: str, every: bool = False, live: bool = False) -> tuple[list[str], str]:
    chosen, mode = selection.select(CATALOGUE, None, ids, every=every, live=live, lang="en")
    return [e.id for e in chosen], mode


def test_named_exercises_are_graded_once_each_and_live_only_ones_live() -> None:
    assert _select("ex2", "ex1", "ex2") == (["ex2", "ex1"], "files")
    assert _select("ex8") == (["ex8"], "live")  # graded live only: no flag needed
    assert _select("ex2", live=True) == (["ex2"], "live")
    ids, mode = _select(every=True)
    assert mode == "files" and "ex1" in ids and "ex8" not in ids  # every one gradable so


@pytest.mark.parametrize(
    ("ids", "live", "said"),
    [
        (("ex99",), False, "Unknown exercise: ex99. Available exercises: ex1, ex2"),
        ((), False, "No exercise asked for: give an id (e.g. `grader check ex1`) or --all."),
        (("ex1", "ex8"), False, "ex8 is graded on your Docker, not on files: add --live"),
        (("ex1",), True, "ex1 is graded on your files only: drop --live."),
    ],
)
def test_what_cannot_be_graded_is_said_in_the_students_language(
    ids: tuple[str, ...], live: bool, said: str
) -> None:
    with pytest.raises(CannotGrade, match="^" + said.replace("(", r"\(").replace(")", r"\)")):
        _select(*ids, live=live)


def test_the_command_says_the_refusal_on_stderr_and_exits_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert main(["check", "ex99", "--lang", "en", "--path", str(tmp_path)]) == 2
    assert capsys.readouterr().err.startswith("Unknown exercise: ex99.")
    assert main(["check", "ex1", "--lang", "en", "--path", str(tmp_path / "none")]) == 2
    assert "does not exist: nothing was graded" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("listed", "said"),
    [
        ("ex1,ex99", "grader batch: unknown exercise(s) ex99"),
        ("ex1,ex8", "grader batch: ex8 can only be graded live, on the student's machine"),
        (" , ", "grader batch: no exercise: --exercises ex1,ex2 or --all"),
    ],
)
def test_a_batch_grades_only_exercises_it_can(listed: str, said: str) -> None:
    with pytest.raises(CannotGrade) as refused:
        batch_run.exercises(CATALOGUE, None, listed, every=False)
    assert str(refused.value) == said
    every = batch_run.exercises(CATALOGUE, None, None, every=True)
    assert "ex1" in [e.id for e in every] and "ex8" not in [e.id for e in every]


def test_a_batch_folder_is_new_resumed_or_regraded(tmp_path: Path) -> None:
    request = batch_run.BatchRequest(roster="roster.csv", out=tmp_path, regrade=["ana"])
    with pytest.raises(CannotGrade, match="--regrade grades students again in an existing"):
        batch_run.check_folder(request)
    (tmp_path / "journal.jsonl").write_text("", encoding="utf-8")
    with pytest.raises(CannotGrade, match="already holds this batch"):
        batch_run.check_folder(batch_run.BatchRequest(roster="roster.csv", out=tmp_path))
    batch_run.check_folder(batch_run.BatchRequest("roster.csv", tmp_path, resume=True))


def test_merge_refuses_a_missing_folder_or_a_class_without_journal(tmp_path: Path) -> None:
    found = shards.check([])
    missing = merge_run.refusal([tmp_path / "nope"], None, found, allow_incomplete=False)
    assert missing == f"no such folder: {tmp_path / 'nope'}"
    empty = merge_run.refusal([tmp_path], None, found, allow_incomplete=False)
    assert empty == "no journal found (journal*.jsonl)"
