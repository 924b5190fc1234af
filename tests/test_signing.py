"""Signed reports: a hand-edited report fails verification; the canonical form is stable."""

from __future__ import annotations

import json
from pathlib import Path

from grader.cli import main
from grader.grading.provenance import tree_digest
from grader.reports.signing import canonical, sign, verify

REPORT = {
    "grader_version": "0.1.0",
    "lang": "fr",
    "mode": "files",
    "root": "/r",
    "started_at": "2026-11-23T12:00:00+00:00",
    "duration": 1.0,
    "exercises": [],
    "totals": {"points": 3, "max_points": 10},
}


def test_a_signed_report_verifies_and_any_edit_is_tampering() -> None:
    signed = sign(REPORT, "teacher-key")
    assert verify(signed, "teacher-key") == "valid"
    assert verify(signed, "another-key") == "tampered"
    edited = json.loads(json.dumps(signed))
    edited["totals"]["points"] = 10
    assert verify(edited, "teacher-key") == "tampered"
    assert verify(REPORT, "teacher-key") == "unsigned"
    forged = {**signed, "signature": {"algorithm": "none", "value": ""}}
    assert verify(forged, "teacher-key") == "tampered"


def test_the_canonical_form_ignores_key_order_and_the_signature() -> None:
    reordered = dict(reversed(list(REPORT.items())))
    assert canonical(reordered) == canonical(REPORT) == canonical(sign(REPORT, "k"))


def test_the_tree_digest_follows_content_and_names_not_symlinks(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "Dockerfile").write_text("FROM ubuntu\n")
    first = tree_digest(tmp_path / "a")
    (tmp_path / "a" / "link").symlink_to("/etc/hostname")
    assert tree_digest(tmp_path / "a") == first
    (tmp_path / "a" / "Dockerfile").write_text("FROM debian\n")
    assert tree_digest(tmp_path / "a") != first
    assert tree_digest(tmp_path / "missing") is None


def test_grader_verify_says_valid_tampered_or_unsigned(tmp_path: Path) -> None:
    path = tmp_path / "report.json"
    path.write_text(json.dumps(sign(REPORT, "k")), encoding="utf-8")
    assert main(["verify", str(path), "--key", "k"]) == 0
    edited = json.loads(path.read_text())
    edited["duration"] = 2.0
    path.write_text(json.dumps(edited), encoding="utf-8")
    assert main(["verify", str(path), "--key", "k"]) == 1
    path.write_text(json.dumps(REPORT), encoding="utf-8")
    assert main(["verify", str(path), "--key", "k"]) == 1
    assert main(["verify", str(path)]) == 2  # no key at all
