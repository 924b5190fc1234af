"""Exercises import `grader.authoring` and nothing else of the grader: its insides can move."""

from __future__ import annotations

from pathlib import Path

import pytest

import grader.authoring
from grader.model.catalogue import import_refusals
from tests.helpers.repos import ROOT

MODULES = sorted((ROOT / "exercises").glob("*/*.py"))


def refusals(source: str) -> list[str]:
    return import_refusals(source)


@pytest.mark.parametrize("module", MODULES, ids=[f"{m.parent.name}/{m.name}" for m in MODULES])
def test_an_exercise_imports_only_the_authoring_module(module: Path) -> None:
    assert refusals(module.read_text(encoding="utf-8")) == []


def test_the_rule_refuses_an_internal_import() -> None:
    assert refusals(
        "from grader.containers.engine import connect\nimport grader.k8s.cluster\n"
    ) == ["imports grader.containers.engine connect", "imports grader.k8s.cluster"]
    assert refusals("import grader.authoring\n") == []
    assert refusals("def f():\n    from grader import session\n") == ["imports grader session"]
    assert refusals("from grader.authoring import nothing_of_that_name\n") == [
        "grader.authoring has no nothing_of_that_name"
    ]
    assert refusals("from grader import authoring\nfrom grader.authoring import hint\n") == []


def test_everything_the_authoring_module_names_exists() -> None:
    missing = [n for n in grader.authoring.__all__ if not hasattr(grader.authoring, n)]
    assert missing == [] and len(set(grader.authoring.__all__)) == len(grader.authoring.__all__)
