"""Shards that cannot be lost and regrades that show what they changed, with real `grader
batch` runs on the engine (ex1 only, a few students): an empty shard's journal, a lost shard
and a stopped one refused by `grader merge` until `--allow-incomplete` or `--resume`, journals
of an older grader still merged, and a regrade's diff after a student's files changed."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from grader.classroom import journal
from grader.cli import main
from tests.helpers.classes import make_class, make_student

pytestmark = pytest.mark.docker


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    return main(list(argv), stdout=out), out.getvalue()


def batch(clones: Path, out: Path, *extra: str) -> tuple[int, str]:
    return run("batch", str(clones), "--exercises", "ex1", "--out", str(out), *extra)


def gradebook(folder: Path) -> list[dict[str, str]]:
    with open(folder / "gradebook.csv", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_every_shard_writes_its_journal_and_merge_refuses_a_lost_one(
    engine: object, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make_class(tmp_path / "clones", 2, ["ex1"])
    results = tmp_path / "results"
    for shard in ("1/3", "2/3", "3/3"):  # 3/3: nobody falls in it
        status, text = batch(tmp_path / "clones", results, "--shard", shard)
        assert status == 0, text
    empty = results / "journal.shard-3-of-3.jsonl"
    marks = journal.read_marks(empty)
    assert [(m.mark, m.shard, m.students) for m in marks] == [
        ("started", (3, 3), []),
        ("finished", (3, 3), []),
    ]
    assert journal.read(empty) == []
    status, text = run("merge", str(results), "--out", str(tmp_path / "class"))
    assert status == 0 and "2 students merged from 3 shards" in text
    assert json.loads((tmp_path / "class" / "gradebook.json").read_text())["complete"] is True

    lost = tmp_path / "lost"  # shard 2's job failed: its artifacts never came
    lost.mkdir()
    (results / "journal.shard-2-of-3.jsonl").rename(lost / "journal.shard-2-of-3.jsonl")
    capsys.readouterr()
    status, text = run("merge", str(results), "--out", str(tmp_path / "refused"))
    assert status == 2, text
    assert capsys.readouterr().err == (
        "grader merge: the class is incomplete, nothing written:\n"
        "  - shard 2/3 missing (no journal.shard-2-of-3.jsonl): its job failed or its "
        "artifacts were not passed\n"
        "Run those shards again (on GitLab: retry their jobs, then this one), or add "
        "--allow-incomplete to write what is there, marked incomplete.\n"
    )
    assert not (tmp_path / "refused" / "gradebook.csv").exists()

    status, text = run(
        "merge",
        str(results),
        "--out",
        str(tmp_path / "partial"),
        "--allow-incomplete",
        "--lang",
        "en",
    )
    assert status == 3 and "1 students merged from 3 shards" in text
    assert "INCOMPLETE class" in capsys.readouterr().err
    rows = gradebook(tmp_path / "partial")
    assert [r["ID number"] for r in rows] == ["etu01"] and rows[0]["ex1 (/10)"] == "10"
    assert rows[0]["Incomplete class"].startswith("shard 2/3 missing")
    book = json.loads((tmp_path / "partial" / "gradebook.json").read_text())
    assert book["complete"] is False and book["incomplete"][0].startswith("shard 2/3 missing")
    html = (tmp_path / "partial" / "dashboard.html").read_text()
    assert 'id="incomplete"' in html and "shard 2/3 missing" in html
    # The incomplete merge's own journal keeps saying so when it is merged again.
    status, _ = run("merge", str(tmp_path / "partial"), "--out", str(tmp_path / "again"))
    assert status == 2 and "was merged incomplete: shard 2/3 missing" in capsys.readouterr().err

    # The journals an older grader wrote: records only, and no journal for an empty shard.
    (lost / "journal.shard-2-of-3.jsonl").rename(results / "journal.shard-2-of-3.jsonl")
    empty.unlink()
    for path in journal.journals([results]):
        path.write_text("".join(r.to_json() + "\n" for r in journal.read(path)))
    status, text = run("merge", str(results), "--out", str(tmp_path / "old"))
    assert status == 0 and "2 students merged" in text, text
    assert [r["ex1 (/10)"] for r in gradebook(tmp_path / "old")] == ["10", "10"]


def test_a_shard_stopped_midway_is_refused_until_it_is_resumed(
    engine: object, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make_class(tmp_path / "clones", 5, ["ex1"])
    results = tmp_path / "results"
    shard = results / "journal.shard-1-of-2.jsonl"  # etu01, etu03, etu05
    argv = [
        "batch",
        str(tmp_path / "clones"),
        "--exercises",
        "ex1",
        "--shard",
        "1/2",
        "--out",
        str(results),
    ]
    child = subprocess.Popen(
        [sys.executable, "-m", "grader", *argv],
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 300
    while not journal.read_marks(shard) and time.monotonic() < deadline:
        assert child.poll() is None, child.communicate()[0]
        time.sleep(0.05)
    time.sleep(0.3)  # etu01 is being graded
    child.send_signal(signal.SIGTERM)  # what GitLab sends a job it cancels or times out
    output, _ = child.communicate(timeout=120)
    assert child.returncode == 130, output
    assert [m.mark for m in journal.read_marks(shard)] == ["started"]
    status, text = batch(tmp_path / "clones", results, "--shard", "2/2")
    assert status == 0, text
    capsys.readouterr()
    status, _ = run("merge", str(results), "--out", str(tmp_path / "class"))
    assert status == 2
    assert re.search(
        r"  - shard 1/2 did not finish \(journal\.shard-1-of-2\.jsonl: started \S+, [0-2] of 3 "
        r"student\(s\) recorded, not recorded: [\w, ]*etu05\): its job was killed or "
        r"crashed; run it again with --resume\n",
        capsys.readouterr().err,
    )
    status, text = batch(tmp_path / "clones", results, "--shard", "1/2", "--resume")
    assert status == 0, text
    status, text = run("merge", str(results), "--out", str(tmp_path / "class"))
    assert status == 0 and "5 students merged from 2 shards" in text


def test_a_regrade_of_the_class_shows_who_gains_who_loses_and_the_verdicts_that_changed(
    engine: object, tmp_path: Path
) -> None:
    clones = tmp_path / "clones"
    make_student(clones / "ana", {"ex1": "forgot_install"})
    make_student(clones / "ben", {"ex1": None})
    results = tmp_path / "results"
    status, text = batch(clones, results, "-j", "2")
    assert status == 0, text
    shutil.copytree(results, tmp_path / "before")  # the class job's artifacts, say
    make_student(clones / "ana", {"ex1": None})  # she fixed her Dockerfile
    make_student(clones / "ben", {"ex1": "forgot_install"})  # he broke his
    status, text = batch(clones, results, "-j", "2", "--regrade", "all")
    assert status == 0, text
    table = (
        "  ben: 100.0 % → 50.0 % (-50.0)\n"
        "      ex1 test_cowsay_is_installed: passed → failed\n"
        "      ex1 test_cow_says_bonjour: passed → failed\n"
        "  ana: 50.0 % → 100.0 % (+50.0)\n"
        "      ex1 test_cowsay_is_installed: failed → passed\n"
        "      ex1 test_cow_says_bonjour: failed → passed\n"
    )
    assert "2 to grade" in text and table in text
    assert "2 student(s) changed (1 lose, 1 gain), 0 unchanged" in text
    changes = json.loads((results / "changes.json").read_text())
    assert [(s["student"], s["before"], s["after"]) for s in changes["students"]] == [
        ("ben", 100.0, 50.0),
        ("ana", 50.0, 100.0),
    ]
    assert 'href="changes.html"' in (results / "dashboard.html").read_text()
    assert 'data-student="ben" class="loss"' in (results / "changes.html").read_text()
    assert [r.raw_score for r in journal.history(journal.load_all([results]))["ben"]] == [100.0]

    status, text = run(
        "merge",
        str(results),
        "--out",
        str(tmp_path / "class"),
        "--previous",
        str(tmp_path / "before"),
    )
    assert status == 0 and table in text
    assert (tmp_path / "class" / "changes.html").is_file()
    status, text = run(
        "diff", str(tmp_path / "before"), str(tmp_path / "class"), "--out", str(tmp_path / "diff")
    )
    assert status == 0 and table in text
    assert json.loads((tmp_path / "diff" / "changes.json").read_text())["losses"] == 1
