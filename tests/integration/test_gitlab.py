"""The GitLab side, run locally: `grader init` scaffolds a repository whose CI files validate
against GitLab's schema; with the reference solutions copied in, the template's own script
lines, run here against the local engine, grade everything and write the reports GitLab
publishes; a signed report survives `grader verify --rerun` on an unchanged tree."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from gitlab_server import FakeGitLab

from grader.classroom.scaffold import TEMPLATE, copy_solutions, init
from grader.cli import main
from grader.model.catalogue import Catalogue
from tests.conftest import ROOT

BIN = Path(sys.executable).parent


def _schema_check(*files: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.gitlab-ci", *map(str, files)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip


def test_the_ci_files_validate_against_gitlab_schema(tmp_path: Path) -> None:
    written = init(tmp_path, Catalogue.load())
    assert "wrote .gitlab-ci.yml" in written and "wrote ex4/README.md" in written
    assert init(tmp_path, Catalogue.load())[0] == "kept .gitlab-ci.yml"  # never overwrites
    done = _schema_check(tmp_path / ".gitlab-ci.yml", tmp_path / TEMPLATE,
                         ROOT / ".gitlab-ci.yml", ROOT / "templates" / "student.gitlab-ci.yml")  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    broken = tmp_path / "broken.yml"
    broken.write_text("grade:\n  script: 3\n  artifacts: {when: sometimes}\n", encoding="utf-8")
    assert _schema_check(broken).returncode != 0


@pytest.mark.docker
def test_the_template_script_grades_a_scaffold_with_the_reference_solutions(
    tmp_path: Path, engine: object
) -> None:
    catalogue = Catalogue.load()
    init(tmp_path, catalogue)
    copy_solutions(tmp_path, catalogue)
    template = yaml.safe_load((tmp_path / TEMPLATE).read_text(encoding="utf-8"))
    job = template["grade"]
    # The install line is the one line not run here: this very grader is already installed.
    lines = [line for line in job["script"] if not line.startswith("pip install")]
    env = {**os.environ, **template["variables"], "PATH": f"{BIN}:{os.environ['PATH']}",
           "GRADER_SIGNING_KEY": "teacher"}  # fmt: skip
    done = subprocess.run(["bash", "-ec", "\n".join(lines)], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=1500, check=False)  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    coverage = re.search(job["coverage"].strip("/"), done.stdout, re.M)
    assert coverage is not None and 50 < float(coverage.group(1)) <= 100
    junit = ET.parse(tmp_path / "grader-junit.xml").getroot()
    assert junit.tag in ("testsuites", "testsuite")
    assert (tmp_path / "grader-report.html").read_text().startswith("<!DOCTYPE html>")
    report = tmp_path / "grader-report.json"
    assert json.loads(report.read_text())["signature"]["algorithm"] == "HMAC-SHA256"
    assert main(["verify", str(report), "--key", "teacher"]) == 0
    from tests.test_codequality import assert_gitlab_format

    quality = json.loads((tmp_path / job["artifacts"]["reports"]["codequality"]).read_text())
    assert_gitlab_format(quality)  # full marks: only advice, if any
    assert all(i["severity"] == "info" for i in quality)


def test_a_rerun_of_an_unchanged_tree_gives_the_same_verdicts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    catalogue = Catalogue.load()
    for exercise in ("ex4", "ex15"):
        folder = catalogue.get(exercise).folder / "solution"
        (tmp_path / exercise).mkdir()
        for file in folder.iterdir():
            (tmp_path / exercise / file.name).write_bytes(file.read_bytes())
    monkeypatch.setenv("GRADER_SIGNING_KEY", "teacher")
    report = tmp_path / "report.json"
    main(["check", "ex4", "ex15", "--path", str(tmp_path), "--kubeconfig", "/nonexistent",
          "--save", f"json:{report}"])  # fmt: skip
    assert main(["verify", str(report), "--rerun"]) == 0
    (tmp_path / "ex15" / "web.yaml").write_text("kind: Service\n", encoding="utf-8")
    assert main(["verify", str(report), "--rerun"]) == 1


def _run_jobs(template: dict[str, Any], jobs: dict[str, tuple[str, ...]], cwd: Path,
              variables: dict[str, str]) -> None:  # fmt: skip
    """The template's script lines of `jobs` (each on its CI_NODE_INDEXes), run here; the
    install line is the one not run: this very grader is already installed."""
    for job, nodes in jobs.items():
        lines = [line for line in template[job]["script"] if not line.startswith("pip install")]
        for node in nodes:
            env = {**os.environ, **variables, "CI_NODE_INDEX": node}
            ran = subprocess.run(["bash", "-ec", "\n".join(lines)], cwd=cwd, env=env,
                                 capture_output=True, text=True, timeout=600, check=False)  # fmt: skip
            assert ran.returncode == 0, ran.stdout + ran.stderr


def test_the_teacher_template_validates_and_its_shards_and_merge_run_here(
    tmp_path: Path, engine: object, gitlab: FakeGitLab
) -> None:
    teacher = ROOT / "templates" / "teacher-batch.gitlab-ci.yml"
    done = _schema_check(teacher)
    assert done.returncode == 0, done.stdout + done.stderr
    template = yaml.safe_load(teacher.read_text(encoding="utf-8"))
    variables = {**template["variables"], "GRADER_ARGS": "--exercises ex1", "CI_NODE_TOTAL": "2",
                 "PATH": f"{BIN}:{os.environ['PATH']}"}  # fmt: skip
    _run_jobs(template, {"grade-shard": ("1", "2"), "class": ("",)}, tmp_path, variables)
    assert sorted(p.name for p in (tmp_path / "results").glob("journal*")) == [
        "journal.shard-1-of-2.jsonl", "journal.shard-2-of-2.jsonl"]  # fmt: skip
    gradebook = (tmp_path / "class" / "gradebook.csv").read_text(encoding="utf-8").splitlines()
    assert gradebook[1].startswith("amartin,Alice Martin,10,")
    assert gradebook[2].startswith("groupe-b__bpetit,Bruno Petit,5,")
    assert (tmp_path / "class" / "students" / "amartin" / "report.html").is_file()
    assert "Tableau de bord de la classe" in (tmp_path / "class" / "dashboard.html").read_text()
    # A regrade's class job, given the previous class job's id, downloads its artifacts and
    # says what changed (nothing here) in changes.html, which the dashboard links.
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as packed:
        for path in (tmp_path / "class").rglob("*"):
            packed.write(path, path.relative_to(tmp_path).as_posix())
    gitlab.artifacts["/api/v4/projects/77/jobs/4242/artifacts"] = archive.getvalue()
    _run_jobs(template, {"class": ("",)}, tmp_path, variables | {
        "GRADER_PREVIOUS": "4242", "CI_API_V4_URL": f"{gitlab.base}/api/v4",
        "CI_PROJECT_ID": "77"})  # fmt: skip
    changes = json.loads((tmp_path / "class" / "changes.json").read_text(encoding="utf-8"))
    assert (changes["before"], changes["unchanged"], changes["students"]) == (
        "previous/class", 2, [])  # fmt: skip
    assert 'href="changes.html"' in (tmp_path / "class" / "dashboard.html").read_text()
