from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from grader.report import FORMATS, render
from grader.results import CheckResult, ExerciseResult, Report


def _report(lang: str = "fr") -> Report:
    checks = [
        CheckResult("test_builds", "L'image se construit", "passed", 3, 3, duration=1.5),
        CheckResult("test_cow", "La vache <parle> & dit bonjour", "failed", 0, 3,
                    hint="Attendu « < bonjour > » : `cowsay bonjour`", hint_key="ex1.no_cow", details="log <b>"),
        CheckResult("test_cmd", "Commande", "not_attempted", 0, 1, hint="Non tenté"),
        CheckResult("test_lint", "Conseils", "advice", 0, 0, hint="DL3009"),
    ]  # fmt: skip
    exercise = ExerciseResult(
        "ex1", "cowsay", "1", "/repo/ex1", checks, standins=["ubuntu (debian)"]
    )
    return Report("0.1.0", lang, "files", "/repo", "2026-11-23T12:00:00+00:00", 4.2, [exercise])


def test_totals_count_only_earned_points_and_advice_is_not_a_failure() -> None:
    report = _report()
    assert (report.points, report.max_points) == (3, 7)
    assert not report.successful and report.count("advice") == 1


def test_json_round_trips_and_carries_totals_and_schema_version() -> None:
    data = json.loads(render(_report(), "json"))
    assert data["schema_version"] == 1
    assert data["totals"] == {"points": 3, "max_points": 7, "passed": 1, "failed": 1,
                              "not_attempted": 1, "error": 0, "advice": 1,
                              "points_not_attempted": 1}  # fmt: skip
    assert Report.from_dict(data) == _report()


def test_junit_has_one_testcase_per_check_with_failures_and_skips() -> None:
    root = ET.fromstring(render(_report(), "junit"))
    suite = root.find("testsuite")
    assert suite is not None
    cases = suite.findall("testcase")
    assert len(cases) == 4 and root.get("tests") == "4"
    assert cases[1].find("failure") is not None and cases[2].find("skipped") is not None
    assert "La vache <parle> & dit bonjour" in (cases[1].get("name") or "")


def test_html_is_a_standalone_page_with_escaped_student_text() -> None:
    page = render(_report(), "html")
    assert page.startswith("<!DOCTYPE html>") and "<script" not in page and "<link" not in page
    assert "La vache &lt;parle&gt; &amp; dit bonjour" in page
    assert "Attendu « &lt; bonjour &gt; » : <code>cowsay bonjour</code>" in page
    assert "<details><summary>Journal</summary><pre>log &lt;b&gt;</pre></details>" in page


def test_text_shows_each_check_its_hint_and_the_total_in_french() -> None:
    text = render(_report(), "text")
    assert "✘ La vache <parle> & dit bonjour" in text
    assert "→ Attendu « < bonjour > »" in text
    assert "Total : 3/7 points · 1 réussi, 1 échoué, 1 non tenté" in text


def test_text_in_english_uses_english_labels() -> None:
    text = render(_report("en"), "text")
    assert "Some checks still need work." in text
    assert "Total: 3/7 points · 1 passed, 1 failed, 1 not attempted" in text


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_renders(fmt: str) -> None:
    assert render(_report(), fmt).strip()
