"""A course end to end on the real engine: `course.yaml` with a deadline and a late policy,
a class whose commits are dated, `grader batch` applying the penalties, `--regrade` keeping
the history."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest

from grader.classroom import journal
from grader.cli import main
from tests.helpers.classes import commit_at, solution

pytestmark = pytest.mark.docker

COURSE = """\
exercises:
  - {id: ex1, deadline: "2026-11-20T23:59:00+01:00"}
late:
  grace: 15m
  penalty: {per: day, percent: 10}
  cap: 50
  extensions: {chloe: 3d}
"""


def _student(clones: Path, name: str, date: str) -> None:
    files = {f"ex1/{p.name}": p.read_text() for p in solution("ex1").iterdir() if p.is_file()}
    commit_at(clones / name, files, date)


def test_a_course_batch_applies_the_late_policy_and_a_regrade_keeps_the_history(
    engine: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "course.yaml").write_text(COURSE)
    clones = tmp_path / "clones"
    _student(clones, "ana", "2026-11-20T22:00:00+01:00")  # on time
    _student(clones, "ben", "2026-11-22T10:00:00+01:00")  # 2 started days late: -20 %
    _student(clones, "chloe", "2026-11-22T10:00:00+01:00")  # the same, with 3 days more
    monkeypatch.chdir(tmp_path)  # the teacher's repository, holding course.yaml
    out = io.StringIO()
    assert main(["batch", str(clones), "--out", "out", "-j", "2"], stdout=out) == 0, out.getvalue()
    records = journal.load([tmp_path / "out"])
    assert {s: (r.raw_score, r.score) for s, r in records.items()} == {
        "ana": (100.0, 100.0),
        "ben": (100.0, 80.0),
        "chloe": (100.0, 100.0),
    }
    late = records["ben"].exercises["ex1"].lateness
    assert late is not None and late.periods == 2 and late.penalty == 20.0
    rows = {
        r["ID number"]: r
        for r in csv.DictReader(io.StringIO((tmp_path / "out" / "gradebook.csv").read_text()))
    }
    assert rows["ben"]["Score (%)"] == "80" and rows["ben"]["Raw score (%)"] == "100"

    shutil.rmtree(clones / "ben" / "ex1")
    commit_at(clones / "ben", {"ex1/Dockerfile": "FROM debian:12\n"}, "2026-11-23T10:00:00+01:00")
    out = io.StringIO()
    assert main(["batch", str(clones), "--out", "out", "--regrade", "ben"], stdout=out) == 0
    assert "1 to grade" in out.getvalue()
    records = journal.load([tmp_path / "out"])
    assert records["ben"].raw_score < 100.0 and records["ana"].score == 100.0
    older = journal.history(journal.load_all([tmp_path / "out"]))["ben"]
    assert [r.raw_score for r in older] == [100.0]  # the first grading, kept
    book = json.loads((tmp_path / "out" / "gradebook.json").read_text())
    ben = next(s for s in book["students"] if s["student"] == "ben")
    assert len(ben["history"]) == 1
    assert "regraded" in (tmp_path / "out" / "dashboard.html").read_text()
