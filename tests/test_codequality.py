"""GitLab's Code Quality report, checked against the format GitLab documents
(docs.gitlab.com/ci/testing/code_quality: an array of issues with description, check_name,
fingerprint, severity in info|minor|major|critical|blocker, location.path and
location.lines.begin)."""

from __future__ import annotations

import json
from pathlib import Path

from grader.model.results import CheckResult, ExerciseResult, Report
from grader.reports.report import render
from tests.helpers.codequality import assert_gitlab_format


def _report(tmp_path: Path) -> Report:
    folder = tmp_path / "repo" / "ex1"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "Dockerfile").write_text("FROM ubuntu\nRUN apt-get install cowsay\n")
    (tmp_path / "repo" / "ex4").mkdir(exist_ok=True)
    (tmp_path / "repo" / "ex4" / "web.yaml").write_text("kind: Deployment\n")
    checks = [
        CheckResult(
            "test_image_builds",
            "L'image se construit",
            "failed",
            0,
            3,
            hint="Ajoutez -y",
            hint_key="common.build_needs_yes",
        ),
        CheckResult(
            "test_tag",
            "Un tag précis",
            "failed",
            0,
            1,
            hint="Écrivez `ubuntu:24.04`",
            hint_key="ex1.no_tag",
            kind="practice",
            lines=[1],
        ),
        CheckResult(
            "test_hadolint_advice",
            "Conseils",
            "advice",
            0,
            0,
            hint="DL3009, DL3015",
            kind="practice",
            lines=[2, 3],
        ),
        CheckResult("test_cow", "La vache", "not_attempted", 0, 3, hint="image absente"),
        CheckResult("test_ok", "Présent", "passed", 1, 1),
    ]
    k8s = [
        CheckResult(
            "test_outside",
            "Dans le namespace",
            "failed",
            0,
            2,
            hint="default",
            hint_key="ex15.outside",
            file="web.yaml",
        )
    ]
    return Report(
        "0",
        "fr",
        "files",
        str(tmp_path / "repo"),
        "now",
        exercises=[
            ExerciseResult("ex1", "cowsay", "1", str(folder), checks),
            ExerciseResult("ex4", "ingress", "1", str(tmp_path / "repo" / "ex4"), k8s),
        ],
    )


def test_failures_warnings_and_advice_become_issues_at_their_file_and_lines(
    tmp_path: Path,
) -> None:
    issues = json.loads(render(_report(tmp_path), "codequality"))
    assert_gitlab_format(issues)
    found = {
        (i["check_name"], i["location"]["path"], i["location"]["lines"]["begin"], i["severity"])
        for i in issues
    }
    assert found == {
        ("grader.ex1.test_image_builds", "ex1/Dockerfile", 1, "major"),
        ("grader.ex1.test_tag", "ex1/Dockerfile", 1, "minor"),  # good practice: a warning
        ("grader.ex1.test_hadolint_advice", "ex1/Dockerfile", 2, "info"),
        ("grader.ex1.test_hadolint_advice", "ex1/Dockerfile", 3, "info"),
        ("grader.ex4.test_outside", "ex4/web.yaml", 1, "major"),
    }  # not attempted and passed checks are not issues
    first = next(i for i in issues if i["check_name"] == "grader.ex1.test_image_builds")
    assert first["description"] == "ex1 · L'image se construit: Ajoutez -y"


def test_the_fingerprints_are_stable_across_runs(tmp_path: Path) -> None:
    once = json.loads(render(_report(tmp_path), "codequality"))
    again = json.loads(render(_report(tmp_path), "codequality"))
    assert [i["fingerprint"] for i in once] == [i["fingerprint"] for i in again]


def test_a_strict_course_makes_lost_good_practice_major(tmp_path: Path) -> None:
    report = _report(tmp_path)
    report.strict = True
    issues = json.loads(render(report, "codequality"))
    tag = next(i for i in issues if i["check_name"] == "grader.ex1.test_tag")
    assert tag["severity"] == "major"
