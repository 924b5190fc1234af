"""Test modules share code through tests/helpers/ only: never from conftest or each other."""

from __future__ import annotations

import re

from tests.helpers.repos import ROOT


def test_no_test_module_imports_conftest_or_another_test_module() -> None:
    wrong = re.compile(r"^\s*(from|import) tests\.(conftest|test_|integration)", re.M)
    offenders = [
        str(p.relative_to(ROOT))
        for p in (ROOT / "tests").rglob("*.py")
        if wrong.search(p.read_text(encoding="utf-8"))
    ]
    assert offenders == []
