"""The grader against submissions in the styles of real student work (fixtures/realworld/).

Each folder of fixtures/realworld/ holds the files of one student's exercise folder, written
in a form seen in public course repositories (old `version:` keys, CRLF and BOM, odd file
names, scripts with their executable bit, README commands, removed Kubernetes APIs, …), and
an `expect.yaml` with the verdict a teacher of this course would sign:

    exercise: ex2        # the exercise graded
    pattern: "…"         # the public pattern or habit it reproduces
    validated: true      # every objective of the exercise met, as the course notes teach it
    why: "…"             # why
    full_marks: false    # optional: true when even every good-practice check passes
    failed: [test_…]     # optional: checks that must end "failed"

An entry's `_root/` folder, when it has one, holds files of the student's repository root
rather than of the exercise folder (a root `.gitlab-ci.yml` that publishes `ex16/`).

The grader must agree with the teacher: no internal error, the same `validated` verdict,
full marks when the work deserves them, and the named checks failed.
"""

from __future__ import annotations

import ast
import os
from pathlib import Path
from typing import Any

import pytest
import yaml

from grader.grading.runner import grade
from grader.model.catalogue import Catalogue
from grader.model.results import ExerciseResult
from tests.helpers.repos import ROOT, make_repo

pytestmark = pytest.mark.docker

REALWORLD = ROOT / "fixtures" / "realworld"
ROOT_FILES = "_root"  # an entry's files at the repository's root
REQUIRED = ("exercise", "pattern", "validated", "why")
OPTIONAL = ("full_marks", "failed")


def _entries() -> list[Path]:
    return sorted(p for p in REALWORLD.iterdir() if (p / "expect.yaml").is_file())


def _expect(entry: Path) -> dict[str, Any]:
    return yaml.safe_load((entry / "expect.yaml").read_text(encoding="utf-8")) or {}


def _params() -> list[object]:
    """Every entry; one of a Kubernetes exercise needs no engine (graded without a cluster)."""
    catalogue = Catalogue.load()
    found = []
    for entry in _entries():
        needs = catalogue.get(str(_expect(entry)["exercise"])).needs
        marks = [pytest.mark.engine_free] if "docker" not in needs else []
        found.append(pytest.param(entry, id=entry.name, marks=marks))
    return found


def _table(result: ExerciseResult) -> str:
    """Every check with its kind, status, points and hint: a disagreement reads at a glance."""
    score = result.scored()
    lines = [f"{result.id}: {score.points:g}/{score.max_points:g} points"]
    if result.error:
        lines.append(f"  exercise error: {result.error}")
    for c in result.checks:
        kind = getattr(c, "kind", "?")
        hint = " ".join((c.hint or "").split())[:300]
        lines.append(
            f"  {c.status:<13} {kind:<9} {c.points:g}/{c.max_points:g} {c.name}"
            + (f" [{c.hint_key}] {hint}" if c.status != "passed" else "")
        )
    return "\n".join(lines)


def _check_names(catalogue: Catalogue, exercise_id: str) -> set[str]:
    """The checks an exercise collects: the `test_*` functions of its modules, and the shared
    checks they take in (`test_x = kube_checks.test_x`, `from … import test_x`)."""
    names: set[str] = set()
    for module in catalogue.get(exercise_id).folder.glob("test_*.py"):
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef):
                names.add(node.name)
            elif isinstance(node, ast.Assign):
                names.update(t.id for t in node.targets if isinstance(t, ast.Name))
            elif isinstance(node, ast.ImportFrom):
                names.update(a.asname or a.name for a in node.names)
    return {name for name in names if name.startswith("test_")}


def test_the_corpus_is_well_formed(catalogue: Catalogue) -> None:
    entries = _entries()
    assert len(entries) >= 30, f"only {len(entries)} entries in {REALWORLD}"
    ids = {e.id for e in catalogue}
    for entry in entries:
        expect = _expect(entry)
        where = entry.name
        assert set(REQUIRED) <= set(expect), f"{where}: missing {set(REQUIRED) - set(expect)}"
        assert set(expect) <= {*REQUIRED, *OPTIONAL}, f"{where}: unknown keys"
        assert expect["exercise"] in ids, f"{where}: no exercise {expect['exercise']!r}"
        assert "files" in catalogue.get(expect["exercise"]).modes, f"{where}: a live exercise"
        for key in ("pattern", "why"):
            text = expect[key]
            assert isinstance(text, str) and text.strip(), f"{where}: empty {key}"
            assert "\n" not in text.strip(), f"{where}: {key} must be one line"
        assert isinstance(expect["validated"], bool), f"{where}: validated is not a boolean"
        assert isinstance(expect.get("full_marks", False), bool), f"{where}: full_marks"
        if expect.get("full_marks"):
            assert expect["validated"], f"{where}: full marks but not validated"
            assert not expect.get("failed"), f"{where}: full marks with failed checks"
        unknown = set(expect.get("failed") or []) - _check_names(catalogue, expect["exercise"])
        assert not unknown, f"{where}: no such check {sorted(unknown)}"
        files = [p for p in entry.rglob("*") if p.is_file() and p.name != "expect.yaml"]
        assert files, f"{where}: no student file"
        for path in files:  # a script must be committed with its executable bit
            if path.read_bytes().startswith(b"#!"):
                assert os.access(path, os.X_OK), f"{where}: {path.name} is not executable"


def test_the_corpus_mixes_verdicts() -> None:
    verdicts = [_expect(entry)["validated"] for entry in _entries()]
    assert any(verdicts) and not all(verdicts)


@pytest.mark.parametrize("entry", _params())
def test_the_grader_agrees_with_the_teacher(
    catalogue: Catalogue, entry: Path, tmp_path: Path
) -> None:
    expect = _expect(entry)
    exercise = catalogue.get(expect["exercise"])
    root = entry / ROOT_FILES
    repo = make_repo(tmp_path, {exercise.submission: entry}, root=root if root.is_dir() else None)
    result = grade([exercise], root=repo, catalogue=catalogue).exercises[0]
    table = _table(result)

    errors = [c.name for c in result.checks if c.status == "error"]
    assert result.error is None and not errors, f"internal error in {errors}\n{table}"
    assert result.validated() is expect["validated"], (
        f"teacher: validated={expect['validated']} ({expect['why']})\n{table}"
    )
    if expect.get("full_marks"):
        failed = [c.name for c in result.checks if c.status == "failed"]
        assert not failed, f"full marks expected, failed: {failed}\n{table}"
        score = result.scored()
        assert score.points == score.max_points, f"full marks expected\n{table}"
    statuses = {c.name: c.status for c in result.checks}
    for name in expect.get("failed") or []:
        assert statuses.get(name) == "failed", f"{name} should fail: {statuses.get(name)}\n{table}"
