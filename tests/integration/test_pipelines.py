"""The three GitLab pipelines, run by a real GitLab CI interpreter (gitlab-ci-local).

The project's own pipeline builds the package and, on a tag, publishes it (`twine upload`) to
a real package index; the student template then installs grader from that index in a clean
job container and grades four repositories (green, orange, red, and red again when the course
is strict); the teacher template grades a class of three in two shards and merges them.
Every job runs as on a GitLab runner with the Docker executor: its image, and a Docker-in-Docker
service reached over TLS at tcp://docker:2376 (tests/helpers/gitlab_ci_local.py says what the
stand-ins are). The templates are used as `grader init` writes them; only variables a course
sets are given (the index, pip's trust store, the arguments, GRADER_STRICT).
"""

from __future__ import annotations

import json
import re
import shutil
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from grader import __version__
from grader.cli import main
from grader.model.catalogue import Catalogue
from grader.teaching.scaffold import init
from tests.helpers import gitlab_ci_local as gcl
from tests.helpers.classes import make_student, served
from tests.helpers.gitlab_server import FakeGitLab, serving

pytestmark = [pytest.mark.docker, pytest.mark.slow, pytest.mark.pipeline]

# What the graded repositories need, in the dind engine before the job starts.
PRELOAD = [
    "local/debian:bookworm",
    "ubuntu:latest",
    "debian:bookworm",
    "local/nginx:standin",
    "nginx:latest",
    "nginx:alpine",
]


@pytest.fixture(scope="session")
def runner(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """gitlab-ci-local installed, the stand-in images built; yields the preload folder."""
    from grader.containers.engine import connect
    from grader.containers.unavailable import EngineUnavailable

    try:
        client = connect()
    except EngineUnavailable as error:
        pytest.fail(f"no Docker engine: {error}")
    gcl.install()
    gcl.build_images(client)
    yield gcl.preload(client, PRELOAD, tmp_path_factory.mktemp("preload"))


@pytest.fixture(scope="session")
def published(runner: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The project's `package` job, run on a tag, uploads to a real index; yields its URL."""
    served = tmp_path_factory.mktemp("index")
    with gcl.package_index(served) as url:
        project = gcl.project_copy(tmp_path_factory.mktemp("project"))
        ran = gcl.run(
            project,
            "package",
            variables={
                "CI_COMMIT_TAG": f"v{__version__}",
                "GRADER_UPLOAD_URL": f"{url}/",
                "PIP_CERT": gcl.CA_FILE,
            },
        )
        assert ran.status("package") == "PASS", ran.log[-4000:]
        uploaded = sorted(p.name for p in served.iterdir())
        assert uploaded == [
            f"docker_k8s_grader-{__version__}-py3-none-any.whl",
            f"docker_k8s_grader-{__version__}.tar.gz",
        ], ran.log[-3000:]
        built = sorted(p.name for p in (ran.artifacts("package") / "dist").iterdir())
        assert built == uploaded  # and the job's artifacts hold the same two files
        yield f"{url}/simple/"


def _student(folder: Path, work: dict[str, str | None]) -> Path:
    """A student's repository as `grader init` scaffolds it, with `work` done."""
    init(folder, Catalogue.load())
    for exercise in work:  # the student replaces the placeholder with their files
        shutil.rmtree(folder / exercise)
    make_student(folder, work, git_repo=False)
    return gcl.git_repo(folder, "https://gitlab.example.org/course-2026/students/etu.git")


def _grade(repo: Path, runner: Path, index: str, **variables: str) -> gcl.Pipeline:
    return gcl.run(
        repo, "grade", preloaded=runner, variables={**gcl.pip_variables(index), **variables}
    )


def _coverage(pipeline: gcl.Pipeline) -> float:
    """The job's coverage as GitLab reads it: the template's `coverage` regex on the job log."""
    regex = yaml.safe_load(
        (gcl.ROOT / "grader" / "templates" / "student.gitlab-ci.yml").read_text()
    )
    output = "\n".join(re.findall(r"^grade +> (.*)$", pipeline.log, re.M))
    found = re.search(regex["grade"]["coverage"].strip("/"), output, re.M)
    assert found, pipeline.log[-3000:]
    return float(found.group(1))


def test_the_student_job_installs_grader_from_the_index_and_goes_green(
    runner: Path, published: str, tmp_path: Path
) -> None:
    repo = _student(tmp_path / "alice", {"ex1": None, "ex2": None})
    ran = _grade(repo, runner, published, GRADER_SIGNING_KEY="teacher")  # a protected variable
    assert ran.status("grade") == "PASS", ran.log[-5000:]
    assert "ex1 · Notre premier Dockerfile" in ran.log and "ex2 · Mapping de port" in ran.log
    assert "/builds/" not in ran.log.split("$ grader check")[-1]  # no runner path in a hint
    artifacts = ran.artifacts("grade")
    report = json.loads((artifacts / "grader-report.json").read_text(encoding="utf-8"))
    graded = {e["id"]: e for e in report["exercises"]}
    assert graded["ex1"]["validated"] and graded["ex1"]["points"] == graded["ex1"]["max_points"]
    assert graded["ex2"]["validated"] and graded["ex2"]["points"] == graded["ex2"]["max_points"]
    totals = report["totals"]
    shown = re.search(r"^ PASS +grade +([\d.]+)% coverage", ran.log, re.M)  # gcl's reading
    assert shown is not None and float(shown.group(1)) == _coverage(ran)
    assert _coverage(ran) == pytest.approx(
        100 * totals["points"] / totals["max_points"], abs=0.05
    )  # the coverage regex reads the job's score line
    assert main(["verify", str(artifacts / "grader-report.json"), "--key", "teacher"]) == 0
    assert (artifacts / "grader-report.html").read_text().startswith("<!DOCTYPE html>")
    junit = ET.parse(artifacts / "grader-junit.xml").getroot()
    assert (
        junit.tag in ("testsuites", "testsuite") and "failures" in junit.find(".//testsuite").attrib
    )
    quality = json.loads((artifacts / "gl-code-quality-report.json").read_text())
    assert all({"description", "fingerprint", "severity", "location"} <= set(i) for i in quality)
    assert all(i["severity"] == "info" for i in quality)  # validated: advice only


def test_good_practice_lost_is_orange_and_a_strict_course_makes_it_red(
    runner: Path, published: str, tmp_path: Path
) -> None:
    repo = _student(tmp_path / "bruno", {"ex5": "maintainer_and_no_tag"})
    ran = _grade(repo, runner, published)
    assert ran.status("grade") == "WARN", ran.log[-5000:]
    assert "WARN 3" in ran.log  # allowed to fail with exit status 3: a warning
    assert 0 < _coverage(ran) < 100
    quality = json.loads((ran.artifacts("grade") / "gl-code-quality-report.json").read_text())
    assert any(i["severity"] != "info" and "ex5/" in i["location"]["path"] for i in quality)
    strict = _grade(repo, runner, published, GRADER_STRICT="1")
    assert strict.status("grade") == "FAIL", strict.log[-5000:]
    assert "· non validé" in strict.log


def test_an_objective_failed_is_red(runner: Path, published: str, tmp_path: Path) -> None:
    repo = _student(tmp_path / "chloe", {"ex1": "install_without_y"})
    ran = _grade(repo, runner, published)
    assert ran.status("grade") == "FAIL", ran.log[-5000:]
    assert "apt-get install -y" in ran.log or "-y" in ran.log
    report = json.loads((ran.artifacts("grade") / "grader-report.json").read_text())
    assert [
        e["id"] for e in report["exercises"] if not e["validated"] and not e["not_started"]
    ] == ["ex1"]


def test_the_teacher_pipeline_grades_a_class_in_two_shards_and_merges_it(
    runner: Path, published: str, tmp_path: Path
) -> None:
    repositories = {}
    for name, work in (
        ("amartin", {"ex1": None}),
        ("groupe-b/bpetit", {"ex1": "forgot_install"}),
        ("cdurand", {"ex1": None}),
    ):
        repositories[f"course-2026/students/{name}.git"] = served(tmp_path, name, work)
    teacher = tmp_path / "teacher"
    (teacher / ".gitlab").mkdir(parents=True)
    shutil.copy(
        gcl.ROOT / "grader" / "templates" / "teacher-batch.gitlab-ci.yml",
        teacher / ".gitlab" / "grader-batch.gitlab-ci.yml",
    )
    # The teacher's own file: the template, and the one line that sets the shard count.
    (teacher / ".gitlab-ci.yml").write_text(
        yaml.safe_dump(
            {
                "include": [{"local": ".gitlab/grader-batch.gitlab-ci.yml"}],
                "grade-shard": {"parallel": 2},
            }
        ),
        encoding="utf-8",
    )
    gcl.git_repo(teacher, "https://gitlab.example.org/course-2026/teacher.git")
    with serving(FakeGitLab("glpat-teacher", repositories), host=gcl.BRIDGE) as fake:
        ran = gcl.run(
            teacher,
            preloaded=runner,
            variables={
                **gcl.pip_variables(published),
                "GITLAB_URL": fake.base,
                "GRADER_GITLAB_TOKEN": "glpat-teacher",
                "GRADER_ARGS": "--exercises ex1",
            },
        )
    for job in ("grade-shard: [1/2]", "grade-shard: [2/2]", "class"):
        assert ran.status(job) == "PASS", (job, ran.log[-6000:])
    merged = ran.artifacts("class") / "class"
    gradebook = (merged / "gradebook.csv").read_text(encoding="utf-8").splitlines()
    assert [line.split(",")[0] for line in gradebook[1:]] == [
        "amartin",
        "cdurand",
        "groupe-b__bpetit",
    ]
    assert [line.split(",")[2] for line in gradebook[1:]] == ["10", "10", "5"]
    assert "Tableau de bord de la classe" in (merged / "dashboard.html").read_text()


def test_the_projects_own_pipeline_lints_and_runs_its_quick_tier(
    runner: Path, published: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """`lint` and `quick` green in their job containers (`package` is the `published` fixture:
    green on a tag, and its upload checked)."""
    project = gcl.project_copy(tmp_path_factory.mktemp("project"))
    ran = gcl.run(project, "lint", "quick", variables={"PIP_CERT": gcl.CA_FILE})
    assert ran.status("lint") == "PASS", ran.log[-6000:]
    assert ran.status("quick") == "PASS", ran.log[-6000:]
    summary = re.findall(r"^quick +> (?:=+ )?(\d+ \w+.*) in [\d.]+s", ran.log, re.M)
    assert summary and " passed" in summary[-1] and "failed" not in summary[-1], ran.log[-3000:]
