"""course.yaml (grader.model.course), late policies (grader.model.lateness), weighted totals
(grader.model.scoring), and the batch side of them: lateness per exercise from commit dates,
penalties in the journal and the gradebook, regrade history. No engine: the gradings are
built as `Report`s, the commits are real (git with set dates)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import pytest

from grader.classroom import batch, journal
from grader.classroom import gradebook as classroom
from grader.cli import main
from grader.grading import provenance
from grader.model import course, lateness, scoring
from grader.model.catalogue import Catalogue
from grader.model.course_policy import CoursePolicy
from grader.model.results import CheckResult, ExerciseResult, Report
from tests.helpers.classes import commit_at

DEADLINE = dt.datetime.fromisoformat("2026-12-01T23:59:00+01:00")
POLICY = lateness.LatePolicy(
    grace=dt.timedelta(minutes=15),
    per="day",
    percent=20,
    cap=50,
    extensions={
        "zoe": dt.timedelta(days=2),
        "yann": dt.datetime.fromisoformat("2026-12-10T12:00:00+01:00"),
    },
)


def _course_policy() -> CoursePolicy:
    return CoursePolicy(deadlines={"ex1": DEADLINE, "ex2": DEADLINE}, late=POLICY)


def _at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


@pytest.mark.parametrize(
    ("student", "submitted", "periods", "penalty"),
    [
        ("ana", "2026-12-01T20:00:00+01:00", 0, 0),  # on time
        ("ana", "2026-12-02T00:10:00+01:00", 0, 0),  # 11 min late: within the grace period
        ("ana", "2026-12-02T00:20:00+01:00", 1, 20),  # 5 min after grace: a started day
        ("ana", "2026-12-02T23:00:00+00:00", 1, 20),  # another offset, still within 1 day
        ("ana", "2026-12-03T00:30:00+01:00", 2, 40),
        ("ana", "2026-12-04T12:00:00+01:00", 3, 50),  # 3 days: 60 %, capped at 50
        ("zoe", "2026-12-03T12:00:00+01:00", 0, 0),  # a 2-day extension
        ("zoe", "2026-12-04T12:00:00+01:00", 1, 20),
        ("yann", "2026-12-10T12:10:00+01:00", 0, 0),  # an extension to a date-time
    ],
)
def test_late_penalty(student: str, submitted: str, periods: int, penalty: float) -> None:
    found = lateness.assess(student, DEADLINE, _at(submitted), POLICY)
    assert (found.periods, found.penalty) == (periods, penalty)
    assert found.late == bool(periods)
    assert (
        found.deadline == DEADLINE.isoformat() and found.submitted_at == _at(submitted).isoformat()
    )


def test_an_extension_for_one_exercise_moves_that_deadline_only() -> None:
    policy = lateness.LatePolicy(percent=10, extensions={"zoe": {"ex2": dt.timedelta(days=2)}})
    submitted = _at("2026-12-03T12:00:00+01:00")  # 2 started days after DEADLINE
    assert lateness.assess("zoe", DEADLINE, submitted, policy, "ex2").penalty == 0
    assert lateness.assess("zoe", DEADLINE, submitted, policy, "ex1").penalty == 20
    course_policy = CoursePolicy(deadlines={"ex1": DEADLINE, "ex2": DEADLINE}, late=policy)
    found = course_policy.lateness("zoe", {"ex1": submitted, "ex2": submitted})
    assert {i: late.penalty for i, late in found.items()} == {"ex1": 20, "ex2": 0}


def test_lateness_per_hour_and_unknown_dates() -> None:
    hourly = lateness.LatePolicy(per="hour", percent=5)
    assert lateness.assess("a", DEADLINE, _at("2026-12-02T02:00:00+01:00"), hourly).penalty == 15
    unknown = lateness.assess("a", DEADLINE, None, hourly)  # a plain folder: on time, said so
    assert unknown.penalty == 0 and unknown.submitted_at is None
    assert lateness.parse_duration("1d12h") == dt.timedelta(hours=36)
    assert lateness.describe(3 * 86400 + 7200) == "3 d 2 h"
    with pytest.raises(ValueError):
        lateness.parse_duration("tomorrow")


def test_scoring_is_the_weighted_mean_of_penalised_percentages() -> None:
    scores = {"ex1": scoring.Score(10, 10), "ex2": scoring.Score(5, 20), "ex3": scoring.Score(0, 0)}
    assert scoring.course_total(scores, None) == 50.0  # no course: 15 / 30 points, as before
    assert scoring.course_total(scores, {"ex1": 1, "ex2": 3}) == 43.8  # (100 + 3 × 25) / 4
    assert scoring.course_total(scores, {}) == 62.5  # weight 1 each; ex3 has nothing at stake
    assert scoring.course_total(scores, {"ex1": 1, "ex2": 3}, {"ex1": 50}) == 31.2
    assert scoring.penalised(80, 10) == 72.0


def test_submission_dates_are_per_exercise_committer_dates(tmp_path: Path) -> None:
    repo = tmp_path / "etu"
    commit_at(repo, {"ex1/Dockerfile": "FROM debian:12\n"}, "2026-12-01T10:00:00+01:00")
    commit_at(repo, {"ex2/compose.yaml": "services: {}\n"}, "2026-12-03T09:00:00+01:00")
    dates = provenance.submitted_at(repo, {"ex1": "ex1", "ex2": "ex2", "ex3": "ex3"})
    assert dates["ex1"] == _at("2026-12-01T10:00:00+01:00")
    assert dates["ex2"] == _at("2026-12-03T09:00:00+01:00")
    assert dates["ex3"] == _at("2026-12-03T09:00:00+01:00")  # never committed: HEAD's date
    assert provenance.submitted_at(tmp_path, {"ex1": "ex1"}) == {}  # not a git repository
    late = _course_policy().lateness("etu", dates)
    assert (late["ex1"].penalty, late["ex2"].penalty, late["ex2"].periods) == (0, 40, 2)


def _report(ex1: float, ex2: float, weights: dict[str, float] | None = None) -> Report:
    checks1 = [CheckResult("test_a", "A", "passed" if ex1 else "failed", ex1, 10)]
    checks2 = [CheckResult("test_b", "B", "passed" if ex2 else "failed", ex2, 20)]
    return Report(
        "0",
        "fr",
        "files",
        "/r",
        "2026-12-05T10:00:00+00:00",
        exercises=[
            ExerciseResult("ex1", "un", "1", "ex1", checks1),
            ExerciseResult("ex2", "deux", "1", "ex2", checks2),
        ],
        weights=weights or {},
    )


def _graded(
    student: str, when: str, ex2_submitted: str | None = None, ex1: float = 10
) -> journal.Record:
    base = journal.Record(student=student, name=student.title(), finished_at=when)
    dates = {"ex1": _at("2026-12-01T12:00:00+01:00")}
    if ex2_submitted:
        dates["ex2"] = _at(ex2_submitted)
    report = _report(ex1, 10, {"ex1": 1, "ex2": 3})
    report.lateness = _course_policy().lateness(student, dates)
    return journal.graded_record(base, report)


def test_the_journal_records_raw_score_lateness_penalty_and_final_score(tmp_path: Path) -> None:
    record = _graded("ana", "2026-12-05T10:00:00+00:00", "2026-12-03T00:30:00+01:00")
    ex2 = record.exercises["ex2"]
    assert (ex2.raw_score, ex2.penalty, ex2.score, ex2.final_points) == (50.0, 40, 30.0, 6.0)
    assert record.raw_score == 62.5 == _report(10, 10, {"ex1": 1, "ex2": 3}).score  # the report's
    assert record.score == 47.5  # (100 + 3 × 30) / 4
    book = journal.Journal(tmp_path / "journal.jsonl")
    book.append(record)
    assert journal.read(tmp_path / "journal.jsonl") == [record]
    old = {
        "student": "bob",
        "status": "graded",
        "points": 15,
        "max_points": 30,
        "score": 50,
        "exercises": {"ex1": {"points": 5, "max_points": 10}},
    }  # before course.yaml
    (tmp_path / "journal.jsonl").write_text(json.dumps(old) + "\n")
    bob = journal.read(tmp_path / "journal.jsonl")[0]
    assert (bob.raw_score, bob.exercises["ex1"].score, bob.exercises["ex1"].lateness) == (
        50,
        50,
        None,
    )


def test_gradebook_csv_carries_final_grades_and_the_raw_total(catalogue: Catalogue) -> None:
    records = {
        r.student: r
        for r in [
            _graded("ana", "2026-12-05T10:00:00+00:00", "2026-12-03T00:30:00+01:00"),
            _graded("zoe", "2026-12-05T10:00:00+00:00", "2026-12-03T00:30:00+01:00"),  # extension
        ]
    }
    cols = classroom.columns(records, catalogue, "fr")
    rows = classroom.gradebook(records, cols)
    text = classroom.gradebook_csv(rows, cols, raw=classroom.with_course(records))
    table = list(csv.reader(io.StringIO(text)))
    assert table[0] == [
        "ID number",
        "Full name",
        "ex1 (/10)",
        "ex2 (/20)",
        "Total (/30)",
        "Score (%)",
        "Raw total (/30)",
        "Raw score (%)",
        "Validated",
        "Late",
        "Commit",
        "Status",
    ]
    by_id = {row[0]: row for row in table[1:]}
    assert by_id["ana"][2:8] == ["10", "6", "16", "47.5", "20", "62.5"]
    assert by_id["ana"][9] == "ex2 1 d 16 min late (-40 %)"
    assert by_id["zoe"][2:8] == ["10", "10", "20", "62.5", "20", "62.5"]
    assert rows[0]["exercises"]["ex2"]["penalty"] == 40
    assert not classroom.with_course(
        {"x": journal.graded_record(journal.Record("x", "X"), _report(5, 5))}
    )


def test_a_regrade_keeps_the_history(tmp_path: Path, catalogue: Catalogue) -> None:
    book = journal.Journal(tmp_path / "journal.jsonl")
    first = _graded("ana", "2026-12-05T10:00:00+00:00", ex1=0)
    book.append(first)
    book.append(_graded("bob", "2026-12-05T10:01:00+00:00"))
    book.append(_graded("ana", "2026-12-06T09:00:00+00:00", ex1=10))  # --regrade ana
    every = journal.load_all([tmp_path])
    assert journal.latest(every)["ana"].exercises["ex1"].points == 10  # newest wins
    history = journal.history(every)
    assert list(history) == ["ana"] and history["ana"] == [first]
    classroom.write(tmp_path / "out", journal.latest(every), catalogue, "en", history)
    document = json.loads((tmp_path / "out" / "gradebook.json").read_text())
    ana = next(s for s in document["students"] if s["student"] == "ana")
    assert [h["score"] for h in ana["history"]] == [first.score]
    html = (tmp_path / "out" / "dashboard.html").read_text()
    assert "regraded 1 times" in html and "-40 %" not in html
    entries = [journal.Record(student=s, name=s) for s in ("ana", "bob", "cleo")]
    picked = batch.pending(entries, {"ana", "bob"}, ["ana"], resume=False)
    assert [e.student for e in picked] == ["ana"]  # --regrade alone: only them
    picked = batch.pending(entries, {"ana", "bob"}, ["ana"], resume=True)
    assert [e.student for e in picked] == ["ana", "cleo"]


GOOD = """\
# yaml-language-server: $schema=../grader/model/course.schema.json
name: Docker 2026
exercises:
  - ex1
  - {id: ex2, weight: 2, deadline: 2026-12-01T23:59:00+01:00}
packs: [tp]
strict: true
late:
  grace: 15m
  penalty: {per: day, percent: 10}
  cap: 50
  extensions: {etu01: 2d, etu02: "2026-12-03T12:00:00+01:00", etu03: {ex2: 1d}}
"""


def test_a_course_file_loads(tmp_path: Path) -> None:
    (tmp_path / "tp").mkdir()
    path = tmp_path / "course.yaml"
    path.write_text(GOOD)
    found = course.load(path)
    assert course.find(tmp_path) == path and course.find(tmp_path / "tp") is None
    assert found.ids() == ["ex1", "ex2"] and found.weights() == {"ex1": 1.0, "ex2": 2.0}
    assert found.deadlines() == {"ex2": DEADLINE}
    assert found.packs == [(tmp_path / "tp").resolve()] and found.strict
    assert found.late.grace == dt.timedelta(minutes=15) and found.late.cap == 50
    assert found.late.extensions["etu01"] == dt.timedelta(days=2)
    assert found.late.deadline_for("etu02", DEADLINE) == _at("2026-12-03T12:00:00+01:00")
    own = found.late.extensions["etu03"]  # per exercise: ex2 only
    assert own == {"ex2": dt.timedelta(days=1)}
    assert found.late.deadline_for("etu03", DEADLINE, "ex2") == DEADLINE + dt.timedelta(days=1)
    assert found.late.deadline_for("etu03", DEADLINE, "ex1") == DEADLINE
    assert course.schema_path().is_file() and course.schema()["title"] == "grader course"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("exercises: ex1\n", 'exercises: expected a list, found "ex1"'),
        ("exercises: []\n", "exercises: expected at least 1 item(s), found none"),
        ("strict: true\n", "the file: missing field 'exercises'"),
        ("exercises: [ex1]\nstrikt: true\n", "the file: unknown field 'strikt'"),
        (
            "exercises: [{id: ex1, weight: 0}]\n",
            "exercises[0].weight: expected a number > 0, found 0",
        ),
        (
            "exercises: [{id: ex1, weight: heavy}]\n",
            'exercises[0].weight: expected a number, found "heavy"',
        ),
        ("exercises: [{weight: 2}]\n", "exercises[0]: missing field 'id'"),
        (
            "exercises: [{id: ex1, deadline: 2026-12-01T23:59:00}]\n",
            'exercises[0].deadline: expected an ISO date-time with its offset, e.g. 2026-12-01T23:59:00+01:00, found "2026-12-01T23:59:00"',
        ),
        (
            "exercises: [{id: ex1, deadline: '2026-02-31T23:59:00+01:00'}]\n",
            'exercises[0].deadline: expected a real date-time, found "2026-02-31T23:59:00+01:00"',
        ),
        ("exercises: [ex1, ex1]\n", "exercises: 'ex1' is listed twice"),
        ("exercises: [ex1]\npacks: [nowhere]\n", "packs[0]: expected a folder"),
        (
            "exercises: [ex1]\nlate: {penalty: {per: week, percent: 10}}\n",
            "late.penalty.per: expected one of 'day', 'hour', found \"week\"",
        ),
        (
            "exercises: [ex1]\nlate: {penalty: {per: day}}\n",
            "late.penalty: missing field 'percent'",
        ),
        (
            "exercises: [ex1]\nlate: {grace: 15 minutes}\n",
            'late.grace: expected a duration like 15m, 2h or 1d12h, found "15 minutes"',
        ),
        ("exercises: [ex1]\nlate: {cap: 150}\n", "late.cap: expected a number <= 100, found 150"),
        (
            "exercises: [ex1]\nlate: {extensions: {etu01: soon}}\n",
            'late.extensions.etu01: expected a duration like 2d or 36h, a date-time with its offset, or per exercise id one of those ({ex2: 2d}), found "soon"',
        ),
        (
            "exercises: [ex1]\nlate: {extensions: {etu01: {ex1: soon}}}\n",
            "late.extensions.etu01: expected a duration like 2d or 36h, a date-time with its offset, or per exercise id one of those ({ex2: 2d}), found a mapping",
        ),
        (
            "exercises: [ex1]\nlate: {extensions: {etu01: {ex9: 2d}}}\n",
            "late.extensions.etu01.ex9: 'ex9' is not an exercise of the course",
        ),
        ("exercises: [ex1\n", "line 2: not valid YAML"),
    ],
)
def test_a_bad_course_file_is_said_field_by_field(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "course.yaml"
    path.write_text(text)
    with pytest.raises(course.CourseError) as error:
        course.load(path)
    assert len(error.value.problems) == 1, error.value.problems
    assert error.value.problems[0].startswith(message), error.value.problems[0]


def test_the_commands_say_what_is_wrong_with_a_course(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "course.yaml").write_text("exercises: [ex1, nope9, {id: ex2, weight: -1}]\n")
    monkeypatch.chdir(tmp_path)
    assert main(["check", "ex1", "--course", "course.yaml"]) == 2
    err = capsys.readouterr().err
    assert "exercises[2].weight: expected a number > 0, found -1" in err and "Traceback" not in err
    monkeypatch.setenv("GRADER_COURSE", "course.yaml")  # the student template's way to name it
    assert main(["check", "ex1"]) == 2
    assert "exercises[2].weight" in capsys.readouterr().err
    monkeypatch.delenv("GRADER_COURSE")
    # a course.yaml in a student's repository is theirs: check never reads it unless named
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent.sock")
    assert main(["check", "ex1"], stdout=io.StringIO()) == 1  # ex1 named, not started: no engine
    assert "exercises[2]" not in capsys.readouterr().err
    (tmp_path / "course.yaml").write_text("exercises: [ex1, nope9]\n")
    assert main(["init", str(tmp_path / "repo")]) == 2
    assert "unknown exercise id(s) nope9" in capsys.readouterr().err
    (tmp_path / "other.yaml").write_text("exercises: [ex3, {id: ex1, weight: 2}]\n")
    assert main(["init", "--course", str(tmp_path / "other.yaml"), str(tmp_path / "repo")]) == 0
    assert sorted(p.name for p in (tmp_path / "repo").iterdir() if p.name.startswith("ex")) == [
        "ex1",
        "ex3",
    ]


def test_a_report_shows_the_weighted_score() -> None:
    report = _report(10, 5, {"ex1": 1, "ex2": 3})
    assert report.scored().percent == 50.0 and report.score == 43.8  # (100 + 3 × 25) / 4
    data = report.to_dict()
    assert data["totals"]["score"] == 43.8 and data["weights"] == {"ex1": 1, "ex2": 3}
    assert Report.from_dict(data).score == 43.8
    assert _report(10, 5).score == 50.0  # no course: as before


def test_the_report_comes_back_with_the_lateness_of_whose_work_it_is(tmp_path: Path) -> None:
    from grader.grading.runner import grade

    catalogue = Catalogue.load()
    ex1, ex2 = catalogue.get("ex1"), catalogue.get("ex2")
    repo = tmp_path / "zoe"
    commit_at(repo, {f"{ex1.submission}/notes.txt": "x\n"}, "2026-12-01T10:00:00+01:00")
    commit_at(repo, {f"{ex2.submission}/notes.txt": "x\n"}, "2026-12-04T12:00:00+01:00")
    policy = CoursePolicy(deadlines={"ex1": DEADLINE, "ex2": DEADLINE}, late=POLICY)
    waiting = {"ex1": None, "ex2": None}  # nothing runs: no engine, no pytest child

    def report(student: str | None) -> Report:
        return grade(
            [ex1, ex2],
            root=repo,
            catalogue=catalogue,
            policy=policy,
            not_started=waiting,
            student=student,
        )

    late = report("zoe").lateness  # a two-day extension: 1 started day late, 20 %
    assert (late["ex1"].late, late["ex2"].periods, late["ex2"].penalty) == (False, 1, 20)
    assert report("ana").lateness["ex2"].penalty == 50  # no extension: 3 days, capped at 50
    assert report(None).lateness == {}  # a student's own check: nobody's deadline to judge
    assert "lateness" not in report("zoe").to_dict()  # no report format changes
