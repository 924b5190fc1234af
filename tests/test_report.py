from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from grader.model.results import CheckResult, ExerciseResult, Report
from grader.model.status import ExitStatus, for_report
from grader.reports.report import FORMATS, render


def _report(lang: str = "fr") -> Report:
    checks = [
        CheckResult("test_builds", "L'image se construit", "passed", 3, 3, duration=1.5),
        CheckResult(
            "test_cow",
            "La vache <parle> & dit bonjour",
            "failed",
            0,
            3,
            hint="Attendu « < bonjour > » : `cowsay bonjour`",
            hint_key="ex1.no_cow",
            details="log <b>",
        ),
        CheckResult("test_cmd", "Commande", "not_attempted", 0, 1, hint="Non tenté"),
        CheckResult("test_lint", "Conseils", "advice", 0, 0, hint="DL3009"),
    ]
    exercise = ExerciseResult(
        "ex1", "cowsay", "1", "/repo/ex1", checks, standins=["ubuntu (debian)"]
    )
    return Report("0.1.0", lang, "files", "/repo", "2026-11-23T12:00:00+00:00", 4.2, [exercise])


def test_totals_count_only_earned_points_and_advice_is_not_a_failure() -> None:
    report = _report()
    assert (report.scored().points, report.scored().max_points) == (3, 7)
    assert not report.successful and report.count("advice") == 1


def test_json_round_trips_and_carries_totals_and_schema_version() -> None:
    data = json.loads(render(_report(), "json"))
    assert data["schema_version"] == 3
    assert data["totals"] == {
        "points": 3,
        "max_points": 7,
        "passed": 1,
        "failed": 1,
        "not_attempted": 1,
        "error": 0,
        "advice": 1,
        "warning": 0,
        "points_not_attempted": 1,
        "validated": 0,
        "score": 42.9,
        "points_left_out": 0.0,
        "hidden": 0,
        "not_started": 0,
    }
    assert data["exercises"][0]["validated"] is False
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


def _practice_report(*, strict: bool = False, lang: str = "fr") -> Report:
    checks = [
        CheckResult("test_builds", "L'image se construit", "passed", 3, 3),
        CheckResult(
            "test_tag",
            "Un tag précis",
            "failed",
            0,
            1,
            hint="Écrivez `nginx:1.27`",
            hint_key="ex5.no_tag",
            kind="practice",
        ),
        CheckResult("test_lint", "Conseils", "advice", 0, 0, hint="DL3009", kind="practice"),
    ]
    exercise = ExerciseResult("ex5", "nginx", "1", "/repo/ex5", checks)
    return Report(
        "0.1.0", lang, "files", "/repo", "2026-11-23T12:00:00+00:00", 1.0, [exercise], strict=strict
    )


def test_a_lost_good_practice_is_a_warning_and_the_exercise_is_still_validated() -> None:
    report = _practice_report()
    exercise = report.exercises[0]
    assert exercise.validated() and not exercise.successful and report.scored().points == 3
    assert for_report(report) == 3
    assert ExitStatus.WARNINGS == 3
    text = render(report, "text")
    assert "ex5 · nginx  —  3/4 points · validé" in text
    assert "⚠ Un tag précis" in text and "bonne pratique à revoir" in text
    assert "Exercices validés : bravo !" in text
    root = ET.fromstring(render(report, "junit"))
    assert root.get("failures") == "0"
    case = root.find("testsuite/testcase[2]")
    assert case is not None and case.find("failure") is None
    assert "Écrivez `nginx:1.27`" in (case.findtext("system-out") or "")
    assert json.loads(render(report, "json"))["totals"]["warning"] == 1


def test_strict_grading_counts_good_practice_for_validation() -> None:
    report = _practice_report(strict=True)
    assert not report.validated
    assert for_report(report) == 1
    assert "✘ Un tag précis" in render(report, "text")
    assert ET.fromstring(render(report, "junit")).get("failures") == "1"
    assert Report.from_dict(json.loads(render(report, "json"))) == report


def test_an_exercise_with_only_missing_infrastructure_is_not_validated() -> None:
    live = CheckResult(
        "test_live",
        "Live",
        "not_attempted",
        0,
        5,
        hint_key="common.no_cluster",
        infrastructure="missing",
    )
    exercise = ExerciseResult("ex11", "Pod", "1", "/repo/ex11", [live])
    assert not exercise.judged() and not exercise.validated()


def test_a_build_no_stand_in_can_judge_leaves_the_exercise_unjudged_never_failed() -> None:
    checks = [
        CheckResult("test_dockerfile_is_present", "Dockerfile", "passed", 1, 1),
        CheckResult(
            "test_image_builds",
            "Build",
            "not_attempted",
            0,
            3,
            hint_key="common.standin_cannot_judge",
            infrastructure="unjudged",
        ),
        CheckResult(
            "test_cow",
            "Cow",
            "not_attempted",
            0,
            3,
            hint_key="common.standin_cannot_judge",
            infrastructure="unjudged",
        ),
    ]
    report = Report(
        "0.1.0",
        "fr",
        "files",
        "/r",
        "2026-11-23T12:00:00+00:00",
        1.0,
        [ExerciseResult("ex1", "cowsay", "1", "/r/ex1", checks)],
    )
    exercise = report.exercises[0]
    assert not exercise.judged() and not exercise.validated() and not exercise.blocking()
    assert not report.failed and for_report(report) == ExitStatus.WARNINGS


def _with_not_started(*, due: str | None = None, lang: str = "fr") -> Report:
    """ex5 validated with a good practice lost, and ex4 not started (`due`: why it counts)."""
    report = _practice_report(lang=lang)
    report.exercises.append(
        ExerciseResult("ex4", "Ingress", "1", "ex4", declared_points=16, not_started=True, due=due)
    )
    return report


def test_a_not_started_exercise_is_one_line_with_its_points_at_stake_in_every_format() -> None:
    report = _with_not_started()
    text = render(report, "text")
    assert "ex4 · Ingress  —  0/16 points · pas commencé\n" in text
    assert text.count("ex4") == 1 and "Total : 3/20 points" in text
    assert "ex4 · Ingress — 0/16 · pas commencé\n" in render(report, "md")
    assert '<span class="not_started">pas commencé</span>' in render(report, "html")
    assert "ex4 · Ingress  —  0/16 points · not started\n" in render(
        _with_not_started(lang="en"), "text"
    )
    data = json.loads(render(report, "json"))
    assert data["totals"]["not_started"] == 1 and data["exercises"][1]["checks"] == []
    assert (data["exercises"][1]["points"], data["exercises"][1]["max_points"]) == (0, 16)
    assert Report.from_dict(data) == report
    suite = ET.fromstring(render(report, "junit")).find("testsuite[2]")
    assert suite is not None and suite.get("tests") == "1" and suite.get("skipped") == "1"
    case = suite.find("testcase")
    assert case is not None and case.find("skipped") is not None and case.find("failure") is None
    issues = [i for i in json.loads(render(report, "codequality")) if "ex4" in i["check_name"]]
    assert [(i["description"], i["severity"], i["location"]["path"]) for i in issues] == [
        ("ex4 — pas commencé", "info", "ex4")
    ]


def test_not_started_fails_nothing_until_named_or_past_its_deadline() -> None:
    assert for_report(_with_not_started()) == ExitStatus.WARNINGS  # from ex5 alone
    report = _with_not_started()
    report.exercises[0].checks[1].status = "passed"
    assert for_report(report) == ExitStatus.SUCCESS
    assert "Tout ce qui est commencé est réussi, bravo !" in render(report, "text")
    report.exercises = report.exercises[1:]
    assert for_report(report) == ExitStatus.SUCCESS
    assert "Aucun exercice n'est encore commencé" in render(report, "text")
    for due, label in (
        ("asked", "pas commencé : non validé"),
        ("late", "pas commencé, date limite passée : non validé"),
    ):
        late = _with_not_started(due=due)
        assert late.failed and for_report(late) == ExitStatus.NOT_VALIDATED
        text = render(late, "text")
        assert f"0/16 points · {label}\n" in text and "Pas commencé : placez vos fichiers" in text
        junit = ET.fromstring(render(late, "junit"))
        assert (
            junit.get("failures") == "1" and junit.find("testsuite[2]/testcase/failure") is not None
        )
        assert json.loads(render(late, "codequality"))[-1]["severity"] == "major"
