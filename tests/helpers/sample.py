"""The bundled sample (fixtures/sample, the reference solutions) graded once with
`grader check --all`, for every test that reads that grading: the command's exit status and
text, its HTML page, and its JSON report."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.cli import main
from tests.helpers.repos import ROOT

SAMPLE = ROOT / "fixtures" / "sample"
Verdicts = dict[tuple[str, str], tuple[str, str | None]]  # (exercise, check) → (status, hint)


@dataclass(frozen=True)
class SampleRun:
    status: int
    out: str  # the text report
    page: str  # the HTML report
    data: dict[str, Any]  # the JSON report

    def exercise(self, exercise_id: str) -> dict[str, Any]:
        return next(e for e in self.data["exercises"] if e["id"] == exercise_id)

    @property
    def verdicts(self) -> Verdicts:
        return verdicts_of(self.data)


def verdicts_of(data: dict[str, Any]) -> Verdicts:
    return {
        (e["id"], c["name"]): (c["status"], c["hint_key"])
        for e in data["exercises"]
        for c in e["checks"]
    }


def grade_the_sample(folder: Path) -> SampleRun:
    """`grader check --all` on the sample, one exercise after another, reports in `folder`."""
    html, saved = folder / "report.html", folder / "report.json"
    out = io.StringIO()
    argv = ["check", "--all", "--path", str(SAMPLE), "-j", "1"]
    status = main([*argv, "--save", f"html:{html}", "--save", f"json:{saved}"], stdout=out)
    data = json.loads(saved.read_text(encoding="utf-8"))
    return SampleRun(status, out.getvalue(), html.read_text(encoding="utf-8"), data)
