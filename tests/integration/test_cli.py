"""The `grader` command end to end: exit statuses, formats, languages, live mode."""

from __future__ import annotations

import io
import json
import re
import shutil
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest

from grader.cli import main
from grader.model.catalogue import Catalogue
from grader.model.labels import labels
from tests.helpers.repos import ROOT, make_repo, variant
from tests.helpers.sample import SAMPLE, SampleRun, verdicts_of

pytestmark = pytest.mark.docker


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    return main(list(argv), stdout=out), out.getvalue()


def test_the_bundled_sample_scores_full_marks_and_exits_0(sample_run: SampleRun) -> None:
    status, out = sample_run.status, sample_run.out
    assert status == 0, out
    graded = [e for e in Catalogue.load() if "files" in e.modes]
    total = sum(e.points for e in graded)
    found = re.search(r"Total : (\d+)/(\d+) points(?: · .*?\((\d+) points laissés de côté)?", out)
    assert found, out
    earned, at_stake, left_out = (int(g or 0) for g in found.groups())
    # full marks on what counts here; the live tier, without a cluster, is left out, not lost
    assert total >= 150 and earned == at_stake and at_stake + left_out == total
    assert all(f"{e.id} · " in out for e in graded)
    # here only the Kubernetes live checks are not attempted (no cluster can run here)
    assert "Tout ce qui pouvait être vérifié ici est réussi" in out
    assert out.count("✘") == 0 and out.count("○") == out.count("aucun cluster Kubernetes")
    page = sample_run.page
    assert page.startswith("<!DOCTYPE html>") and "ex6 · Une stack multi-conteneurs" in page


def test_live_only_exercises_need_no_flag_and_are_refused_with_file_exercises(
    engine: object, tmp_path: Path
) -> None:
    status, out = run("check", "ex10", "--path", str(tmp_path))
    assert status == 1 and "ex10 · Premiers pas" in out
    status, _ = run("check", "ex1", "ex10", "--path", str(tmp_path))
    assert status == 2


def test_a_failing_submission_exits_1_with_the_hint_in_english(
    engine: object, tmp_path: Path
) -> None:
    repo = make_repo(tmp_path, {"ex2": variant("ex2", "reversed_mapping")})
    status, out = run("check", "ex2", "--path", str(repo), "--lang", "en")
    assert status == 1
    assert "The mapping is reversed: you publish host port 80 to container port 8082." in out
    assert "Total: 5/10 points · 7 passed, 3 failed, 0 not attempted" in out


def test_validated_with_good_practice_lost_exits_3_and_strict_makes_it_1(
    engine: object, tmp_path: Path
) -> None:
    repo = make_repo(tmp_path, {"ex5": variant("ex5", "maintainer_and_no_tag")})
    status, out = run("check", "ex5", "--path", str(repo))
    assert status == 3, out
    assert "· validé" in out and "⚠ Pas d'instruction MAINTAINER" in out
    assert "Exercices validés : bravo !" in out
    status, out = run("check", "ex5", "--path", str(repo), "--strict", "--lang", "en")
    assert status == 1 and "· not validated" in out and "✘ No MAINTAINER" in out


def test_json_and_junit_reports_describe_every_check(engine: object, tmp_path: Path) -> None:
    repo = make_repo(tmp_path, {"ex1": variant("ex1", "install_without_y")})
    status, out = run("check", "ex1", "--path", str(repo), "--format", "json")
    data = json.loads(out)
    assert status == 1 and data["schema_version"] == 3
    checks = {c["name"]: c for c in data["exercises"][0]["checks"]}
    assert checks["test_image_builds"]["hint_key"] == "common.build_needs_yes"
    assert checks["test_cow_says_bonjour"]["status"] == "not_attempted"
    junit = tmp_path / "junit.xml"
    run("check", "ex1", "--path", str(repo), "--format", "junit", "-o", str(junit))
    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite is not None and suite.get("failures") == "1" and suite.get("skipped") == "3"


@pytest.fixture
def students_nginx(engine) -> Iterator[object]:  # type: ignore[no-untyped-def]
    container = engine.containers.run(
        "nginx:latest", detach=True, ports={"80/tcp": 8082}, labels=labels("test-live")
    )
    yield container
    container.remove(force=True)


def test_live_mode_grades_the_students_running_nginx(students_nginx: object) -> None:
    status, out = run("check", "ex2", "--live")
    assert status == 0, out
    assert "Un conteneur nginx tourne sur votre Docker" in out


def test_live_mode_without_a_container_says_how_to_start_one(engine: object) -> None:
    status, out = run("check", "ex2", "--live")
    assert status == 1
    assert "Lancez-en un : `docker run -d -p 8082:80 nginx`" in out


def test_without_a_cluster_ex4_grades_its_static_tier_and_says_what_was_not_attempted(
    tmp_path: Path,
) -> None:
    repo = make_repo(tmp_path, {"ex4": ROOT / "exercises" / "ex4_nginx_ingress" / "solution"})
    missing = str(tmp_path / "no-kubeconfig")
    status, out = run("check", "ex4", "--path", str(repo), "--kubeconfig", missing, "--lang", "en")
    assert status == 0, out
    assert "Total: 16/16 points" in out and "(7 points left out, not checkable here)" in out
    assert f"no kubeconfig at {missing}" in out and "grader check ex4 --kind" in out


def test_check_all_in_parallel_gives_the_same_verdict_for_every_check(
    sample_run: SampleRun, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`check --all -j 2` grades the exercises in two pytest runs at once, packed by their
    durations (ex2's port 8082 and the like locked as in a batch): every check ends as it does
    one after another."""
    capsys.readouterr()
    saved = tmp_path / "j2.json"
    status, _ = run("check", "--all", "--path", str(SAMPLE), "-j", "2", "--save", f"json:{saved}")
    assert status == 0
    verdicts = verdicts_of(json.loads(saved.read_text()))
    assert verdicts == sample_run.verdicts and len(verdicts) > 60
    progress = capsys.readouterr().err
    graded = sum("files" in e.modes for e in Catalogue.load())
    assert f"[1/{graded}]" in progress and f"[{graded}/{graded}]" in progress


def test_a_broken_dockerfile_gives_code_quality_issues_on_its_lines(
    engine: object, tmp_path: Path
) -> None:
    from tests.helpers.codequality import assert_gitlab_format

    repo = make_repo(tmp_path, {"ex1": variant("ex1", "install_without_y")})
    status, out = run("check", "ex1", "--path", str(repo), "--format", "codequality")
    assert status == 1
    issues = json.loads(out)
    assert_gitlab_format(issues)
    builds = [i for i in issues if i["check_name"] == "grader.ex1.test_image_builds"]
    assert builds and builds[0]["severity"] == "major"
    assert builds[0]["location"]["path"] == "ex1/Dockerfile"
    advice = [i for i in issues if i["check_name"] == "grader.ex1.test_hadolint_advice"]
    assert advice and max(i["location"]["lines"]["begin"] for i in advice) > 1  # hadolint's lines


def test_with_all_the_exercises_not_started_are_one_line_each_and_fail_nothing(
    engine: object, tmp_path: Path
) -> None:
    """Only ex5 is done (a good practice lost): `--all` exits 3 from ex5 alone; every other
    exercise (an empty folder, or none) is one line, its points at stake, none of its checks run."""
    repo = make_repo(tmp_path, {"ex5": variant("ex5", "maintainer_and_no_tag")})
    (repo / "ex4").mkdir()
    saved = tmp_path / "r.json"
    status, out = run("check", "--all", "--path", str(repo), "--save", f"json:{saved}")
    assert status == 3, out
    assert "ex4 · Kubernetes : exposer nginx via un Ingress  —  0/23 points · pas commencé\n" in out
    graded = [e for e in Catalogue.load() if "files" in e.modes]
    assert out.count("· pas commencé\n") == len(graded) - 1
    assert [b[:4] for b in out.split("\n\n") if "→" in b] == ["ex5 "]  # hints: ex5's alone
    data = json.loads(saved.read_text())
    others = [e for e in data["exercises"] if e["id"] != "ex5"]
    assert all(e["not_started"] and e["due"] is None and not e["checks"] for e in others)
    assert all(e["tree_digest"] is None for e in others)  # not even a snapshot
    assert data["totals"]["max_points"] == sum(e.points for e in graded)


def test_a_not_started_exercise_fails_when_named_or_past_its_course_deadline(
    engine: object, tmp_path: Path
) -> None:
    repo = make_repo(tmp_path, {"ex5": variant("ex5", "maintainer_and_no_tag")})
    course = tmp_path / "course.yaml"
    course.write_text(
        "exercises:\n  - ex5\n  - {id: ex4, deadline: 2020-01-01T00:00:00+01:00}\n"
        "  - {id: ex6, deadline: 2999-01-01T00:00:00+01:00}\n"
    )
    status, out = run("check", "--all", "--path", str(repo), "--course", str(course))
    assert status == 1, out
    assert "0/23 points · pas commencé, date limite passée : non validé\n" in out
    assert (
        "ex6 · Une stack multi-conteneurs : WordPress et sa base de données  —  0/20 points · "
        "pas commencé\n" in out
    )
    status, out = run("check", "ex4", "--path", str(repo), "--lang", "en")
    assert status == 1
    assert out.startswith(
        "ex4 · Kubernetes: expose nginx through an Ingress  —  0/23 points · "
        "not started: not validated\n\nTotal: 0/23 points"
    ), out


def test_hints_show_paths_from_the_repository_never_the_runners_folder(
    engine: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As on GitLab (`/builds/group/project`): the repository deep in a long path, graded from
    there; no report format shows that path, and hints name `ex1`, not `/…/ex1`."""
    repo = tmp_path / "builds" / "a-group-with-a-rather-long-name" / "and-its-project-folder"
    shutil.copytree(variant("ex1", "no_dockerfile"), repo / "ex1")
    shutil.copytree(variant("ex2", "reversed_mapping"), repo / "ex2")
    monkeypatch.chdir(repo)
    formats = ("md", "html", "json", "junit", "codequality")
    status, out = run(
        "check", "ex1", "ex2", *(a for f in formats for a in ("--save", f"{f}:r.{f}"))
    )
    assert status == 1
    assert "Aucun fichier `Dockerfile` dans `ex1`." in out
    for shown in [out, *((repo / f"r.{f}").read_text(encoding="utf-8") for f in formats)]:
        assert str(tmp_path) not in shown
    status, out = run("check", "ex1", "--path", str(repo), "--format", "json")
    hints = [c["hint"] for c in json.loads(out)["exercises"][0]["checks"]]
    assert hints and all(str(tmp_path) not in h for h in hints)
