"""`grader batch` / `grader merge` end to end on the real engine: a class with broken and
hostile work, two stacks wanting port 8082 at once, a SIGKILL mid-batch then --resume,
shards then merge, a deadline, and a GitLab group (the local stand-in)."""

from __future__ import annotations

import csv
import fcntl
import io
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from grader.classroom import journal
from grader.cli import main
from grader.containers import ports
from tests.helpers.classes import make_class, make_student
from tests.helpers.gitlab_server import FakeGitLab
from tests.helpers.processes import grader_process
from tests.helpers.repos import ROOT

pytestmark = pytest.mark.docker


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    return main(list(argv), stdout=out), out.getvalue()


def records(out: Path) -> dict[str, journal.Record]:
    return journal.load([out])


def gradebook(out: Path) -> dict[str, dict[str, str]]:
    with open(out / "gradebook.csv", encoding="utf-8") as handle:
        return {row["ID number"]: row for row in csv.DictReader(handle)}


def test_a_class_with_broken_hostile_and_missing_work_is_graded_to_the_end(
    engine: object, tmp_path: Path
) -> None:
    students = tmp_path / "clones"
    make_student(students / "ref", {"ex1": None, "ex2": None})
    make_student(students / "oubli", {"ex1": "forgot_install", "ex2": None})
    make_student(students / "pirate", {"ex1": "syntax_error", "ex2": None})
    hostile = ROOT / "fixtures" / "hostile" / "compose_mounts_root_and_socket"
    (students / "pirate" / "ex2" / "compose.yaml").write_text(
        (hostile / "compose.yaml").read_text()
    )
    (tmp_path / "classe.csv").write_text(
        "identifiant;nom;dépôt\n"
        "ref;Ada Ref;clones/ref\noubli;Oscar Oubli;clones/oubli\n"
        "pirate;Pia Pirate;clones/pirate\nabsent;Abel Absent;clones/absent\n",
        encoding="utf-8",
    )
    out = tmp_path / "results"
    status, text = run(
        "batch",
        str(tmp_path / "classe.csv"),
        "--exercises",
        "ex1,ex2",
        "-j",
        "2",
        "--out",
        str(out),
    )
    assert status == 1, text  # one student could not be graded
    found = records(out)
    assert {s: r.status for s, r in found.items()} == {
        "ref": "graded",
        "oubli": "graded",
        "pirate": "graded",
        "absent": "failed",
    }
    assert "no such folder" in (found["absent"].error or "")
    assert found["ref"].score == 100.0
    assert found["oubli"].exercises["ex1"].checks["test_cowsay_is_installed"] == "failed"
    assert found["pirate"].exercises["ex1"].checks["test_image_builds"] == "failed"
    assert found["pirate"].exercises["ex2"].checks["test_stack_starts"] == "failed"  # refused
    book = gradebook(out)
    assert book["ref"]["Total (/20)"] == "20" and book["absent"]["Total (/20)"] == ""
    for student in ("ref", "oubli", "pirate"):
        assert {p.name for p in (out / "students" / student).iterdir()} == {
            "report.html",
            "report.md",
            "report.json",
            "report.xml",
        }
    assert "absent" in (out / "dashboard.html").read_text()
    status, text = run(
        "batch", str(tmp_path / "classe.csv"), "--exercises", "ex1", "--out", str(out)
    )
    assert status == 2  # the folder holds a batch: --resume or another --out


def test_two_stacks_wanting_port_8082_at_once_take_turns(engine: object, tmp_path: Path) -> None:
    for student in ("a", "b", "c"):
        make_student(tmp_path / "clones" / student, {"ex2": None})
    seen_locked = threading.Event()
    finished = threading.Event()

    def watch() -> None:  # the lock of port 8082 is held by one stack at some moment
        with open(ports.lock_dir() / "8082.lock", "a+b") as handle:
            while not finished.is_set():
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    fcntl.flock(handle, fcntl.LOCK_UN)
                except BlockingIOError:
                    seen_locked.set()
                time.sleep(0.05)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        status, text = run(
            "batch",
            str(tmp_path / "clones"),
            "--exercises",
            "ex2",
            "-j",
            "3",
            "--out",
            str(tmp_path / "out"),
        )
    finally:
        finished.set()
        watcher.join()
    assert status == 0, text
    assert [r.score for r in records(tmp_path / "out").values()] == [100.0, 100.0, 100.0]
    assert seen_locked.is_set()


def test_stacks_with_the_same_container_name_and_port_run_at_once(
    engine: object, tmp_path: Path
) -> None:
    """ex3's reference names its container `notebook` and publishes 8888, as the course does:
    the grader's copy of each stack gets its own name and a port the engine chooses."""
    for student in ("a", "b"):
        make_student(tmp_path / "clones" / student, {"ex3": None})
    status, text = run(
        "batch",
        str(tmp_path / "clones"),
        "--exercises",
        "ex3",
        "-j",
        "2",
        "--out",
        str(tmp_path / "out"),
    )
    assert status == 0, text
    assert [r.score for r in records(tmp_path / "out").values()] == [100.0, 100.0]


def test_ports_lock_serialises_holders_and_gives_up_after_its_timeout(tmp_path: Path) -> None:
    order: list[str] = []
    with ports.held(["8082"]):

        def second() -> None:
            with ports.held(["8082"]):
                order.append("second")

        thread = threading.Thread(target=second)
        thread.start()
        time.sleep(0.5)
        order.append("first")
        with pytest.raises(ports.PortBusy, match="8082"), ports.held(["8082"], timeout=0.3):
            pass
    thread.join()
    assert order == ["first", "second"]


def _grader(*argv: str, **options: Any) -> subprocess.Popen[str]:
    return grader_process(*argv, stderr=subprocess.STDOUT, **options)


def test_sigkill_mid_batch_loses_only_what_was_in_flight_and_resume_finishes(
    engine: object, tmp_path: Path
) -> None:
    make_class(tmp_path / "clones", 6, ["ex1"])
    out = tmp_path / "out"
    argv = ("batch", str(tmp_path / "clones"), "--exercises", "ex1", "--out", str(out))
    child = _grader(*argv, start_new_session=True)
    deadline = time.monotonic() + 300
    while len(journal.read(out / "journal.jsonl")) < 2 and time.monotonic() < deadline:
        assert child.poll() is None, child.communicate()[0]
        time.sleep(0.1)
    os.killpg(child.pid, signal.SIGKILL)  # the batch and the pytest run it had started
    child.wait()
    kept = journal.read(out / "journal.jsonl")
    assert 2 <= len(kept) < 6 and all(r.status == "graded" for r in kept)
    subprocess.run([sys.executable, "-m", "grader", "clean"], check=True, capture_output=True)
    status, text = run(*argv, "--resume")
    assert status == 0, text
    assert f"6 students, {len(kept)} already graded, {6 - len(kept)} to grade" in text
    lines = journal.read(out / "journal.jsonl")
    assert sorted(r.student for r in lines) == [f"etu{k:02d}" for k in range(1, 7)]  # each once
    assert len(gradebook(out)) == 6


def test_shards_graded_apart_then_merged(engine: object, tmp_path: Path) -> None:
    make_class(tmp_path / "clones", 3, ["ex1"])
    out = tmp_path / "results"
    for shard in ("1/2", "2/2"):
        status, text = run(
            "batch",
            str(tmp_path / "clones"),
            "--exercises",
            "ex1",
            "--shard",
            shard,
            "--out",
            str(out),
        )
        assert status == 0, text
    first = journal.read(out / "journal.shard-1-of-2.jsonl")
    second = journal.read(out / "journal.shard-2-of-2.jsonl")
    assert [r.student for r in first] == ["etu01", "etu03"] and [r.student for r in second] == [
        "etu02"
    ]
    status, text = run("merge", str(out), "--out", str(tmp_path / "class"))
    assert status == 0 and "3 students merged" in text
    book = gradebook(tmp_path / "class")
    assert {s: row["ex1 (/10)"] for s, row in book.items()} == {
        "etu01": "10",
        "etu02": "10",
        "etu03": "5",
    }
    assert (tmp_path / "class" / "students" / "etu03" / "report.html").is_file()
    assert (
        'href="students/etu02/report.html"' in (tmp_path / "class" / "dashboard.html").read_text()
    )


def test_deadline_grades_the_commit_before_it_and_flags_the_later_push(
    engine: object, tmp_path: Path
) -> None:
    repo = tmp_path / "clones" / "tardif"
    make_student(repo, {"ex1": "forgot_install"}, date="2026-11-30T18:00:00+00:00")
    make_student(repo, {"ex1": None}, date="2026-12-02T09:30:00+00:00")
    out = tmp_path / "out"
    status, text = run(
        "batch",
        str(tmp_path / "clones"),
        "--exercises",
        "ex1",
        "--deadline",
        "2026-12-01T23:59:00+00:00",
        "--out",
        str(out),
    )
    assert status == 0, text
    row = gradebook(out)["tardif"]
    assert row["ex1 (/10)"] == "5"
    assert row["Late"] == "1 commit(s) after 2026-12-01T23:59:00+00:00"
    assert (repo / "ex1" / "Dockerfile").read_text().count("cowsay") >= 1  # the clone untouched


def test_a_gitlab_group_is_cloned_and_graded(
    engine: object, gitlab: FakeGitLab, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    status, text = run(
        "batch", "gitlab://course-2026/students", "--exercises", "ex1", "-j", "2", "--out", str(out)
    )
    assert status == 0, text
    book = gradebook(out)
    assert {s: row["ex1 (/10)"] for s, row in book.items()} == {
        "amartin": "10",
        "groupe-b__bpetit": "5",
    }
    assert "glpat-secret-token" not in (out / "journal.jsonl").read_text()


def test_ctrl_c_stops_the_batch_cleanly_and_records_nothing_half_done(
    engine: object, tmp_path: Path
) -> None:
    make_class(tmp_path / "clones", 4, ["ex1", "ex2"])
    out = tmp_path / "out"
    child = _grader(
        "batch", str(tmp_path / "clones"), "--exercises", "ex1,ex2", "-j", "2", "--out", str(out)
    )
    deadline = time.monotonic() + 300
    while not journal.read(out / "journal.jsonl") and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(1.0)  # the next students are being graded
    child.send_signal(signal.SIGINT)
    output, _ = child.communicate(timeout=120)
    assert child.returncode == 130, output
    assert "Interrompu" in output
    kept = journal.read(out / "journal.jsonl")
    assert 1 <= len(kept) < 4 and all(r.status == "graded" and r.score > 0 for r in kept)
    # nothing_left_behind (conftest) then checks that no container, network or image remains


def test_the_batch_still_fails_an_absent_exercise_and_never_scores_the_scaffold(
    engine: object, tmp_path: Path
) -> None:
    """A student's `check` shows an exercise not started as one line; the teacher's batch
    grades it as before: every check run, failed or not attempted, 0 points. An older
    `grader init`'s statement copied as ex2/README.md (its `docker run` scored 10/10) is no
    answer there either."""
    repo = make_student(tmp_path / "clones" / "ana", {"ex1": None})
    (repo / "ex2").mkdir()
    (repo / "ex2" / "README.md").write_bytes(
        next((ROOT / "exercises").glob("ex2_*")).joinpath("README.md").read_bytes()
    )
    out = tmp_path / "results"
    status, text = run(
        "batch", str(tmp_path / "clones"), "--exercises", "ex1,ex2,ex6", "--out", str(out)
    )
    assert status == 0, text
    ana = records(out)["ana"]
    assert ana.exercises["ex1"].validated and ana.exercises["ex1"].points == 10
    for absent in ("ex2", "ex6"):
        entry = ana.exercises[absent]
        assert not entry.validated and entry.points == 0 and entry.max_points > 0
        assert entry.checks and "failed" in entry.checks.values()
