"""A teacher's pack end to end on the real engine: a new exercise, scaffolded by `grader new`,
self-tested, graded by `grader check`, batch-graded; a module of a pack that does not load fails
that exercise only."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest

from grader.classroom import journal
from grader.cli import main
from grader.teaching.new_exercise import scaffold
from tests.helpers.repos import ROOT

pytestmark = pytest.mark.docker


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    return main(list(argv), stdout=out), out.getvalue()


@pytest.fixture
def pack(tmp_path: Path) -> Path:
    folder = tmp_path / "pack"
    scaffold(folder, "tp1", kind="dockerfile", slug="hello")
    return folder


def _repo(tmp_path: Path, pack: Path, name: str = "repo") -> Path:
    repo = tmp_path / name
    shutil.copytree(pack / "tp1_hello" / "solution", repo / "tp1")
    shutil.copytree(ROOT / "exercises" / "ex1_cowsay" / "solution", repo / "ex1")
    return repo


def test_a_new_exercise_is_self_tested_graded_and_batch_graded(
    engine: object, tmp_path: Path, pack: Path
) -> None:
    status, out = run("selftest", str(pack))
    assert status == 0 and out.rstrip().endswith("2/2 cases as expected"), out

    repo = _repo(tmp_path, pack)
    report = tmp_path / "report.json"
    status, out = run(
        "check", "tp1", "ex1", "--pack", str(pack), "--path", str(repo), "--save", f"json:{report}"
    )
    assert status == 0, out
    assert "tp1 · Une image qui dit bonjour" in out
    data = json.loads(report.read_text())
    assert sorted((e["id"], e["points"], e["max_points"]) for e in data["exercises"]) == [
        ("ex1", 10.0, 10.0),
        ("tp1", 6.0, 6.0),
    ]

    clones = tmp_path / "clones"
    shutil.copytree(repo, clones / "ana")
    (clones / "ben" / "tp1").mkdir(parents=True)
    (clones / "ben" / "tp1" / "Dockerfile").write_text('FROM debian:12\nCMD ["echo", "salut"]\n')
    status, out = run(
        "batch",
        str(clones),
        "--exercises",
        "tp1",
        "--pack",
        str(pack),
        "--out",
        str(tmp_path / "out"),
    )
    assert status == 0, out
    records = journal.load([tmp_path / "out"])
    assert records["ana"].score == 100.0 and records["ben"].score == round(100 * 4 / 6, 1)
    assert records["ben"].exercises["tp1"].checks["test_default_command_says_bonjour"] == "failed"
    assert "tp1 (/6)" in (tmp_path / "out" / "gradebook.csv").read_text()


def test_a_pack_module_that_does_not_load_fails_that_exercise_only(
    engine: object, tmp_path: Path, pack: Path
) -> None:
    scaffold(pack, "tp2", kind="kubernetes", slug="broken")
    module = pack / "tp2_broken" / "test_broken.py"
    module.write_text(module.read_text() + "\ndef oops(:\n")
    repo = _repo(tmp_path, pack)
    shutil.copytree(pack / "tp2_broken" / "solution", repo / "tp2")
    report = tmp_path / "report.json"
    status, out = run(
        "check",
        "tp1",
        "tp2",
        "--pack",
        str(pack),
        "--path",
        str(repo),
        "--lang",
        "en",
        "--save",
        f"json:{report}",
    )
    assert status == 1, out
    by_id = {e["id"]: e for e in json.loads(report.read_text())["exercises"]}
    assert by_id["tp1"]["points"] == 6.0 and by_id["tp1"]["error"] is None
    error = by_id["tp2"]["error"]
    assert "could not be loaded (test_broken.py)" in error and "SyntaxError" in error
    assert "the exercise is at fault, not your work" in error
