from __future__ import annotations

import os
import stat
from pathlib import Path

from grader.grading import submission
from grader.grading.checks import missing_file_hint
from grader.grading.submission import snapshot


def test_a_symlink_leaving_the_folder_is_left_out_with_its_reason(tmp_path: Path) -> None:
    source = tmp_path / "ex1"
    source.mkdir()
    (source / "Dockerfile").symlink_to("/etc/hostname")
    (source / "real.txt").write_text("x", encoding="utf-8")
    (source / "inside").symlink_to(source / "real.txt")
    snap = snapshot(source, tmp_path / "snap")
    assert snap.skipped == {"Dockerfile": "symlink_outside"}
    assert snap.file("Dockerfile") is None and snap.file("inside") is not None
    problem = missing_file_hint(snap, ("Dockerfile",), "common.no_dockerfile")
    assert problem is not None and problem.key == "common.file_skipped"


def test_oversized_files_and_deep_trees_are_left_out(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(submission, "MAX_FILE_BYTES", 10)
    source = tmp_path / "ex1"
    deep = source.joinpath(*["d"] * (submission.MAX_DEPTH + 2))
    deep.mkdir(parents=True)
    (source / "big.bin").write_bytes(b"0" * 11)
    snap = snapshot(source, tmp_path / "snap")
    assert snap.skipped["big.bin"] == "too_big"
    assert "too_deep" in snap.skipped.values()


def test_a_missing_folder_gives_the_no_submission_hint(tmp_path: Path) -> None:
    snap = snapshot(tmp_path / "nope", tmp_path / "snap")
    problem = missing_file_hint(snap, ("Dockerfile",), "common.no_dockerfile")
    assert not snap.exists and problem is not None and problem.key == "common.no_submission"


def test_a_fifo_is_not_copied(tmp_path: Path) -> None:
    source = tmp_path / "ex1"
    source.mkdir()
    os.mkfifo(source / "pipe")
    assert snapshot(source, tmp_path / "snap").skipped == {"pipe": "not_regular"}


def test_files_keep_their_permission_bits_but_never_setuid(tmp_path: Path) -> None:
    source = tmp_path / "ex1"
    source.mkdir()
    (source / "entrypoint.sh").write_text("#!/bin/sh\necho hi\n")
    (source / "entrypoint.sh").chmod(0o755)
    (source / "index.html").write_text("<p>hi</p>")
    (source / "index.html").chmod(0o644)
    (source / "tool").write_text("x")
    (source / "tool").chmod(0o4755)
    (source / "link.sh").symlink_to("entrypoint.sh")
    copy = snapshot(source, tmp_path / "snap").folder
    modes = {
        name: stat.S_IMODE((copy / name).stat().st_mode)
        for name in ("entrypoint.sh", "index.html", "tool", "link.sh")
    }
    assert modes == {"entrypoint.sh": 0o755, "index.html": 0o644, "tool": 0o755, "link.sh": 0o755}
