"""The journal, the gradebook (Moodle CSV, JSON), the class dashboard, and merging shards."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import statistics
import struct
import subprocess
from pathlib import Path
from typing import Any

import pytest

from grader.classroom import changes, journal, shards
from grader.classroom import gradebook as classroom
from grader.model import scoring
from grader.model.catalogue import Catalogue
from grader.model.results import CheckResult, ExerciseResult, Report
from grader.reports.report import render

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _report(ex1: float, ex2: float) -> Report:
    """A graded run: ex1 out of 10 (its last check lost when `ex1` < 10), ex2 out of 10."""
    ex1_checks = [
        CheckResult("test_dockerfile_exists", "Le Dockerfile existe", "passed", 2, 2),
        CheckResult("test_image_builds", "L'image se construit", "passed", 3, 3),
        CheckResult(
            "test_cowsay_installed",
            "cowsay est installé",
            "passed" if ex1 == 10 else "failed",
            ex1 - 5,
            5,
        ),
    ]
    ex2_checks = [
        CheckResult("test_stack_starts", "La pile démarre", "passed" if ex2 else "failed", ex2, 10)
    ]
    return Report(
        "0",
        "fr",
        "files",
        "/r",
        "2026-12-02T10:00:00+00:00",
        exercises=[
            ExerciseResult("ex1", "cowsay", "1", "ex1", ex1_checks),
            ExerciseResult("ex2", "port", "1", "ex2", ex2_checks),
        ],
    )


def record(student: str, ex1: float | None, ex2: float = 10, **extra: Any) -> journal.Record:
    base = journal.Record(
        student=student, name=student.title(), finished_at="2026-12-02T10:00:00+00:00"
    )
    if ex1 is None:
        base.error = "git clone: repository not found"
        return base
    found = journal.graded_record(base, _report(ex1, ex2))
    found.commit, found.report = "abc123", f"students/{student}/report.html"
    for key, value in extra.items():
        setattr(found, key, value)
    return found


def _class() -> dict[str, dict[str, Any]]:
    copied = {"ex1": ["FROM debian:12", "RUN a", "RUN b", "RUN c", "CMD x", "ENV Z=1"]}
    late = journal.Late(
        deadline="2026-12-01T23:59:00+01:00",
        commits_after=2,
        last_commit_at="2026-12-02T08:00:00+01:00",
    )
    records = [
        record("alice", 10, features=copied),
        record("bruno", 5, late=late),
        record("chloe", 10, 0, features=copied),
        record("david", None),
        record("emma", 0, 0, features={"ex1": ["FROM alpine:3.20", "RUN d", "CMD y"]}),
    ]
    return {r.student: r for r in records}


def test_journal_survives_a_torn_last_line_and_keeps_the_newest_record(tmp_path: Path) -> None:
    book = journal.Journal(tmp_path / "journal.jsonl")
    book.append(record("alice", None))
    book.append(record("alice", 10))
    book.append(record("bruno", 5))
    with open(tmp_path / "journal.jsonl", "ab") as handle:
        handle.write(b'{"student": "chloe", "status": "gra')  # killed mid-write
    records = journal.read(tmp_path / "journal.jsonl")
    assert [r.student for r in records] == ["alice", "alice", "bruno"]
    assert journal.latest(records)["alice"].graded
    assert records[1] == record("alice", 10)  # read back as written
    assert journal.done(tmp_path) == {"alice", "bruno"}
    assert journal.file_name((3, 8)) == "journal.shard-3-of-8.jsonl"


def test_gradebook_csv_imports_into_moodle(catalogue: Catalogue) -> None:
    records = _class()
    cols = classroom.columns(records, catalogue, "fr")
    rows = classroom.gradebook(records, cols)
    table = list(csv.reader(io.StringIO(classroom.gradebook_csv(rows, cols))))
    assert table[0][:6] == [
        "ID number",
        "Full name",
        "ex1 (/10)",
        "ex2 (/10)",
        "Total (/20)",
        "Score (%)",
    ]
    by_id = {row[0]: row for row in table[1:]}
    assert table[0][6:] == ["Validated", "Late", "Commit", "Status"]
    assert by_id["bruno"][2:6] == ["5", "10", "15", "75"]
    assert by_id["bruno"][6] == "ex2" and by_id["alice"][6] == "ex1 ex2" and by_id["emma"][6] == ""
    assert by_id["bruno"][7] == "2 commit(s) after 2026-12-01T23:59:00+01:00"
    assert by_id["david"][2:7] == ["", "", "", "", ""]  # no grade, rather than a zero
    assert by_id["david"][9].startswith("not graded: git clone")
    assert len(table) == 6 and all(len(row) == len(table[0]) for row in table)


def test_dashboard_shows_the_class(tmp_path: Path, catalogue: Catalogue) -> None:
    written = classroom.write(tmp_path, _class(), catalogue, "fr")
    assert [p.name for p in written] == ["gradebook.csv", "gradebook.json", "dashboard.html"]
    html = (tmp_path / "dashboard.html").read_text()
    assert html.count('<tr class="failed"') == 1 and 'data-student="emma"' in html
    assert 'href="students/alice/report.html"' in html and "students/david/report" not in html
    assert '<svg id="distribution"' in html and '<svg id="pass-rates"' in html
    assert "cowsay est installé" in html  # a check's title, with its pass rate
    assert re.search(
        r"ex1 · cowsay est installé</text>\s*<rect[^>]*width=\"150.0\"", html
    )  # 2 of 4 graded
    assert "alice ↔ chloe" in html and "RUN a" in html  # the copied Dockerfile
    assert "<script src" not in html and "http" not in html.split("<body>")[1].replace(
        "http://localhost", ""
    )
    data = json.loads((tmp_path / "gradebook.json").read_text())
    assert [s["student"] for s in data["students"]] == ["alice", "bruno", "chloe", "david", "emma"]
    assert data["similar"][0]["first"] == "alice"


def test_dashboard_in_english(tmp_path: Path, catalogue: Catalogue) -> None:
    classroom.write(tmp_path, _class(), catalogue, "en")
    html = (tmp_path / "dashboard.html").read_text()
    assert "Class dashboard" in html and "Pass rate per check" in html


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        message = "chromium is not installed (scripts/test.sh installs Debian's package)"
        if os.environ.get("GRADER_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return found


def test_dashboard_in_a_headless_browser_sorts_and_draws(
    tmp_path: Path, catalogue: Catalogue
) -> None:
    browser = _chromium()
    classroom.write(tmp_path, _class(), catalogue, "fr")
    url = (tmp_path / "dashboard.html").as_uri() + "#sort=total"
    profile = ["--user-data-dir=" + str(tmp_path / "profile")]
    dom = subprocess.run(
        [browser, *CHROMIUM_FLAGS, *profile, "--dump-dom", url],
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout
    order = re.findall(r'<tr(?: class="failed")? data-student="(\w+)"', dom)
    assert order == ["alice", "bruno", "chloe", "emma", "david"]  # by total, highest first
    assert 'aria-sort="descending"' in dom
    shot = tmp_path / "dashboard.png"
    subprocess.run(
        [
            browser,
            *CHROMIUM_FLAGS,
            *profile,
            "--window-size=1200,1400",
            f"--screenshot={shot}",
            url,
        ],
        capture_output=True,
        timeout=120,
    )
    png = shot.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", png[16:24]) == (1200, 1400)
    assert len(png) > 30_000  # a drawn page, not a blank one


def test_merge_joins_shards_and_their_reports(tmp_path: Path, catalogue: Catalogue) -> None:
    records = list(_class().values())
    for index, folder in ((1, "shard1"), (2, "shard2")):
        book = journal.Journal(tmp_path / folder / journal.file_name((index, 2)))
        for r in records[index - 1 :: 2]:
            book.append(r)
            (tmp_path / folder / "students" / r.student).mkdir(parents=True)
            (tmp_path / folder / "students" / r.student / "report.html").write_text("<p>")
    merged = classroom.merge([tmp_path / "shard1", tmp_path / "shard2"], tmp_path / "class")
    assert sorted(merged) == sorted(r.student for r in records)
    assert len(journal.read(tmp_path / "class" / "journal.jsonl")) == len(records)
    assert sorted(p.name for p in (tmp_path / "class" / "students").iterdir()) == sorted(merged)


def _ex4_without_cluster(catalogue: Catalogue) -> Report:
    ex4 = catalogue.get("ex4")
    checks = [
        CheckResult("test_static", "static", "passed", 16.0, 16.0),
        CheckResult("test_tidy", "tidy", "failed", 0.0, 1.0, kind="practice"),
        CheckResult(
            "test_live",
            "live",
            "not_attempted",
            0.0,
            ex4.points - 17.0,
            hint_key="common.no_cluster",
            infrastructure="missing",
        ),
    ]
    return Report(
        "0", "fr", "files", "/r", "now", exercises=[ExerciseResult("ex4", "t", "1", "ex4", checks)]
    )


def test_points_no_student_could_attempt_here_are_left_out_of_the_gradebook(
    catalogue: Catalogue,
) -> None:
    found = journal.graded_record(journal.Record("ana", "Ana"), _ex4_without_cluster(catalogue))
    entry = found.exercises["ex4"]
    assert (entry.points, entry.max_points) == (16.0, 17.0) and found.score == 94.1
    assert entry.left_out == catalogue.get("ex4").points - 17.0


@pytest.mark.parametrize(
    "policy",
    [
        scoring.DEFAULT,
        scoring.Policy(missing_infrastructure="lost"),
        scoring.Policy(practice="ignored"),
    ],
    ids=["default", "infrastructure-lost", "practice-ignored"],
)
def test_the_students_report_and_the_gradebook_say_the_same_score(
    tmp_path: Path, catalogue: Catalogue, policy: scoring.Policy
) -> None:
    """One grading, read in the student's report (every format) and in the gradebook: the same
    points, out of the same total (issue 15: 16/23 in one, 16/16 in the other)."""
    report = _ex4_without_cluster(catalogue)
    report.policy = policy
    score = report.scored()
    classroom.write(
        tmp_path,
        {"ana": journal.graded_record(journal.Record("ana", "Ana"), report)},
        catalogue,
        "fr",
    )
    row = json.loads((tmp_path / "gradebook.json").read_text())["students"][0]
    assert (row["total"], row["max_points"], row["score"]) == (
        score.points,
        score.max_points,
        score.percent,
    )
    shown = f"{score.points:g}/{score.max_points:g}"
    for fmt in ("text", "md", "html"):
        assert shown in render(report, fmt), fmt
    data = json.loads(render(report, "json"))
    assert (data["totals"]["points"], data["totals"]["max_points"], data["totals"]["score"]) == (
        score.points,
        score.max_points,
        score.percent,
    )
    assert Report.from_dict(data).scored() == score
    expected = {"default": (16, 17), "lost": (16, catalogue.get("ex4").points), "ignored": (16, 16)}
    key = (
        policy.missing_infrastructure
        if policy.missing_infrastructure == "lost"
        else ("ignored" if policy.practice == "ignored" else "default")
    )
    assert (score.points, score.max_points) == expected[key]


def test_dashboard_says_which_points_need_a_cluster(tmp_path: Path, catalogue: Catalogue) -> None:
    records = _class()
    records["alice"].exercises["ex2"].left_out = 7.0
    classroom.write(tmp_path, records, catalogue, "en")
    assert "ex2: 7 points of the cluster tier left out" in (tmp_path / "dashboard.html").read_text()


def test_names_chosen_by_students_cannot_become_formulas_or_markup(
    tmp_path: Path, catalogue: Catalogue
) -> None:
    records = _class()
    records["alice"].name = '=HYPERLINK("http://evil.example","note")'
    records["bruno"].name = "<script>alert(1)</script>"
    classroom.write(tmp_path, records, catalogue, "fr")
    book = {
        row[0]: row for row in csv.reader(io.StringIO((tmp_path / "gradebook.csv").read_text()))
    }
    assert book["alice"][1].startswith("'=HYPERLINK")
    html = (tmp_path / "dashboard.html").read_text()
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html


def test_dashboard_mean_and_median_are_the_standard_ones(
    tmp_path: Path, catalogue: Catalogue
) -> None:
    """With an even number of scores the median is the mean of the middle two (issue 15: it
    read the upper one)."""
    classroom.write(tmp_path, _class(), catalogue, "fr")
    data = json.loads((tmp_path / "gradebook.json").read_text())
    scores = sorted(s["score"] for s in data["students"] if s.get("score") is not None)
    assert len(scores) % 2 == 0 and scores[len(scores) // 2] != statistics.median(scores)
    html = (tmp_path / "dashboard.html").read_text()
    assert f"médiane {statistics.median(scores):.1f} %" in html
    assert f"moyenne {statistics.mean(scores):.1f} %" in html


def _shard(
    folder: Path, index: int, total: int, students: list[journal.Record], *, finished: bool = True
) -> Path:
    """A shard's journal as `grader batch --shard` writes it: marks around its records."""
    path = folder / journal.file_name((index, total))
    book = journal.Journal(path)
    book.append(
        journal.Mark(
            "started",
            "2026-12-07T08:00:00+00:00",
            (index, total),
            students=[r.student for r in students] + (["zoe"] if not finished else []),
        )
    )
    for r in students:
        book.append(r)
    if finished:
        book.append(journal.Mark("finished", "2026-12-07T08:05:00+00:00", (index, total)))
    return path


def test_an_empty_shard_counts_and_a_missing_or_unfinished_one_is_named(tmp_path: Path) -> None:
    _shard(tmp_path, 1, 4, [record("alice", 10)])
    _shard(tmp_path, 2, 4, [])  # nobody fell in it: present, complete
    _shard(tmp_path, 4, 4, [record("bruno", 5)], finished=False)  # its job was killed
    found = shards.check(journal.journals([tmp_path]))
    assert found.total == 4 and found.conflict is None and not found.complete
    assert found.problems == [
        "shard 3/4 missing (no journal.shard-3-of-4.jsonl): its job failed or its artifacts "
        "were not passed",
        "shard 4/4 did not finish (journal.shard-4-of-4.jsonl: started 2026-12-07T08:00:00+00:00,"
        " 1 of 2 student(s) recorded, not recorded: zoe): its job was killed or crashed; run it "
        "again with --resume",
    ]
    assert journal.read(tmp_path / "journal.shard-2-of-4.jsonl") == []  # marks are no records


def test_journals_written_before_marks_merge_as_complete_but_not_two_shardings(
    tmp_path: Path,
) -> None:
    for index in (1, 2):  # an older grader: records only, its shard in the file name
        journal.Journal(tmp_path / "old" / journal.file_name((index, 2))).append(record("a", 10))
    assert shards.check(journal.journals([tmp_path / "old"])).complete
    _shard(tmp_path / "new", 1, 3, [record("b", 10)])
    mixed = shards.check(journal.journals([tmp_path / "old", tmp_path / "new"]))
    assert mixed.conflict == (
        "journals of different shard counts: journal.shard-1-of-2.jsonl (1/2), "
        "journal.shard-2-of-2.jsonl (2/2), journal.shard-1-of-3.jsonl (1/3); merge the shards "
        "of one pipeline (one `parallel:` count) together"
    )


def test_an_incomplete_class_says_so_in_its_gradebook_and_dashboard(
    tmp_path: Path, catalogue: Catalogue
) -> None:
    missing = [
        "shard 2/2 missing (no journal.shard-2-of-2.jsonl): its job failed or its "
        "artifacts were not passed"
    ]
    classroom.write(
        tmp_path, _class(), catalogue, "en", extras=classroom.Extras(incomplete=missing)
    )
    table = list(csv.reader(io.StringIO((tmp_path / "gradebook.csv").read_text())))
    assert table[0][:2] == ["ID number", "Full name"] and table[0][-1] == "Incomplete class"
    assert all(row[-1] == missing[0] for row in table[1:]) and len(table) == 6
    data = json.loads((tmp_path / "gradebook.json").read_text())
    assert data["complete"] is False and data["incomplete"] == missing
    html = (tmp_path / "dashboard.html").read_text()
    assert 'id="incomplete"' in html and "Incomplete class: this gradebook does not" in html
    assert missing[0] in html
    classroom.write(tmp_path, _class(), catalogue, "fr")
    assert json.loads((tmp_path / "gradebook.json").read_text())["complete"] is True
    assert 'id="incomplete"' not in (tmp_path / "dashboard.html").read_text()
    assert "Incomplete" not in (tmp_path / "gradebook.csv").read_text()


def test_the_changes_say_who_gains_who_loses_and_which_verdicts_changed(
    tmp_path: Path, catalogue: Catalogue
) -> None:
    before = _class()
    after = _class()
    after["alice"] = record("alice", 5)  # cowsay no longer passes for her: 100 → 75
    after["bruno"] = record("bruno", 10)  # and now passes for him: 75 → 100
    after["david"] = record("david", 10)  # graded at last
    found = changes.compare(before, after, before_label="old", after_label="new")
    assert [(s.student, s.before, s.after) for s in found.students] == [
        ("alice", 100.0, 75.0),
        ("bruno", 75.0, 100.0),
        ("david", None, 100.0),
    ]
    assert (found.losses, found.gains, found.unchanged) == (1, 1, 2)
    assert [(c.exercise, c.check, c.before, c.after) for c in found.students[0].checks] == [
        ("ex1", "test_cowsay_installed", "passed", "failed")
    ]
    assert changes.table(found) == (
        "Changes from old to new: 3 student(s) changed (1 lose, 1 gain), 2 unchanged\n"
        "  alice: 100.0 % → 75.0 % (-25.0)\n"
        "      ex1 test_cowsay_installed: passed → failed\n"
        "  bruno: 75.0 % → 100.0 % (+25.0)\n"
        "      ex1 test_cowsay_installed: failed → passed\n"
        "  david: not graded → 100.0 %\n"
    )
    classroom.write(tmp_path, after, catalogue, "fr", extras=classroom.Extras(changes=found))
    html = (tmp_path / "changes.html").read_text()
    assert 'data-student="alice" class="loss"' in html and "cowsay est installé" in html
    assert "réussi → échoué" in html and "non corrigé" in html
    assert 'href="changes.html"' in (tmp_path / "dashboard.html").read_text()
    data = json.loads((tmp_path / "changes.json").read_text())
    assert data["students"][0] | {"checks": []} == {
        "student": "alice",
        "name": "Alice",
        "before": 100.0,
        "after": 75.0,
        "delta": -25.0,
        "status_before": "graded",
        "status_after": "graded",
        "checks": [],
    }


def test_merge_refuses_two_shardings_and_a_previous_folder_without_a_journal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from grader.cli import main

    _shard(tmp_path / "a", 1, 1, [record("alice", 10)])
    (tmp_path / "empty").mkdir()
    out = io.StringIO()
    argv = ["merge", str(tmp_path / "a"), "--out", str(tmp_path / "class")]
    assert main([*argv, "--previous", str(tmp_path / "empty")], stdout=out) == 2
    assert capsys.readouterr().err == (
        f"grader merge: --previous {tmp_path / 'empty'} holds no journal (journal*.jsonl) to "
        "compare with: give a batch or class folder written by this grader\n"
    )
    assert not (tmp_path / "class").exists()
    _shard(tmp_path / "a", 1, 2, [record("bruno", 10)])
    assert main(argv, stdout=out) == 2
    assert "journals of different shard counts" in capsys.readouterr().err
