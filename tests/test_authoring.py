"""Exercises import `grader.authoring` and nothing else of the grader: its insides can move."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import grader.authoring
from tests.conftest import ROOT

MODULES = sorted((ROOT / "exercises").glob("*/*.py"))


def grader_imports(source: str) -> list[tuple[str, list[str]]]:
    """(module, names) of every import of the grader package, at any depth."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "grader":
            found.append((node.module or "", [n.name for n in node.names]))
        elif isinstance(node, ast.Import):
            found += [(n.name, []) for n in node.names if n.name.split(".")[0] == "grader"]
    return found


def refusals(source: str) -> list[str]:
    problems = []
    for module, names in grader_imports(source):
        if module == "grader.authoring":
            exported = grader.authoring.__all__
            problems += [f"grader.authoring has no {n}" for n in names if n not in exported]
        elif not (module == "grader" and names == ["authoring"]):
            problems.append(f"imports {module}{' ' + ', '.join(names) if names else ''}")
    return problems


@pytest.mark.parametrize("module", MODULES, ids=[f"{m.parent.name}/{m.name}" for m in MODULES])
def test_an_exercise_imports_only_the_authoring_module(module: Path) -> None:
    assert refusals(module.read_text(encoding="utf-8")) == []


def test_the_rule_refuses_an_internal_import() -> None:
    assert refusals("from grader.engine import connect\nimport grader.cluster\n") == [
        "imports grader.engine connect", "imports grader.cluster"]  # fmt: skip
    assert refusals("def f():\n    from grader import session\n") == ["imports grader session"]
    assert refusals("from grader.authoring import nothing_of_that_name\n") == [
        "grader.authoring has no nothing_of_that_name"]  # fmt: skip
    assert refusals("from grader import authoring\nfrom grader.authoring import hint\n") == []


def test_everything_the_authoring_module_names_exists() -> None:
    missing = [n for n in grader.authoring.__all__ if not hasattr(grader.authoring, n)]
    assert missing == [] and len(set(grader.authoring.__all__)) == len(grader.authoring.__all__)
