"""The GitLab side, run locally: `grader init` scaffolds a repository whose CI files validate
against GitLab's schema; a signed report survives `grader verify --rerun` on an unchanged tree.
The templates themselves run in a GitLab CI interpreter: tests/integration/test_pipelines.py."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path
from typing import Any

import pytest
import yaml

from grader.cli import main
from grader.grading import started
from grader.model.catalogue import Catalogue
from grader.teaching.scaffold import TEMPLATE, init
from tests.helpers.gitlab_server import FakeGitLab
from tests.helpers.repos import ROOT

BIN = Path(sys.executable).parent


def _tool(name: str) -> str:
    """A tool of the dev extra: beside this Python (a venv), else on PATH (pip installs into
    /usr/local/bin for a system Python, as in the pipeline's `quick` job)."""
    return shutil.which(name, path=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}") or name


def _schema_check(*files: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [_tool("check-jsonschema"), "--builtin-schema", "vendor.gitlab-ci", *map(str, files)],
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.engine_free
def test_the_ci_files_validate_against_gitlab_schema(tmp_path: Path) -> None:
    written = init(tmp_path, Catalogue.load())
    assert "wrote .gitlab-ci.yml" in written and "wrote ex4/ENONCE.md" in written
    assert not (tmp_path / "ex4" / "README.md").exists()  # the student's own, if they want one
    assert init(tmp_path, Catalogue.load())[0] == "kept .gitlab-ci.yml"  # never overwrites
    done = _schema_check(
        tmp_path / ".gitlab-ci.yml",
        tmp_path / TEMPLATE,
        ROOT / ".gitlab-ci.yml",
        ROOT / "grader" / "templates" / "student.gitlab-ci.yml",
    )
    assert done.returncode == 0, done.stdout + done.stderr
    broken = tmp_path / "broken.yml"
    broken.write_text("grade:\n  script: 3\n  artifacts: {when: sometimes}\n", encoding="utf-8")
    assert _schema_check(broken).returncode != 0


@pytest.mark.docker
def test_an_untouched_scaffold_scores_nothing_and_the_pipeline_is_green(
    tmp_path: Path, engine: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What `grader init` writes is no answer: `check --all` (the template's) runs no check,
    shows every exercise not started, scores 0, validates nothing, and exits 0, saying so."""
    catalogue = Catalogue.load()
    init(tmp_path, catalogue)
    monkeypatch.chdir(tmp_path)
    out = io.StringIO()
    status = main(["check", "--all", "--save", "json:r.json", "--save", "junit:r.xml"], stdout=out)
    assert status == 0, out.getvalue()
    data = json.loads((tmp_path / "r.json").read_text())
    graded = [e for e in catalogue if "files" in e.modes]
    assert data["totals"]["points"] == 0 and data["totals"]["validated"] == 0
    assert data["totals"]["max_points"] == sum(e.points for e in graded)
    assert [e["id"] for e in data["exercises"] if e["not_started"] and not e["checks"]] == [
        e.id for e in graded
    ]
    assert "Aucun exercice n'est encore commencé" in out.getvalue()
    assert ET.parse(tmp_path / "r.xml").getroot().get("failures") == "0"


def _old_scaffold(repo: Path, *ids: str) -> None:
    """A repository scaffolded by the older grader init: the statement as README.md."""
    catalogue = Catalogue.load()
    old_note = started.OLD_NOTES[0]
    for exercise in map(catalogue.get, ids):
        (repo / exercise.submission).mkdir(parents=True)
        statement = (exercise.folder / "README.md").read_bytes()
        (repo / exercise.submission / "README.md").write_bytes(statement)
        (repo / exercise.submission / "A-FAIRE.txt").write_text(old_note.format(id=exercise.id))


@pytest.mark.docker
def test_an_old_scaffold_with_the_statement_as_readme_scores_nothing(
    tmp_path: Path, engine: object
) -> None:
    """ex2 read the statement's `docker run` from README.md (10/10), ex16 its commands (2/14):
    the statement word for word is the scaffold's, not an answer."""
    _old_scaffold(tmp_path, "ex2", "ex16")
    out = io.StringIO()
    status = main(["check", "ex2", "ex16", "--path", str(tmp_path), "--format", "json"], stdout=out)
    data = json.loads(out.getvalue())
    assert status == 1 and data["totals"]["points"] == 0 and data["totals"]["max_points"] == 24
    assert [(e["id"], e["due"], e["checks"]) for e in data["exercises"]] == [
        ("ex2", "asked", []),
        ("ex16", "asked", []),
    ]
    # once started, the statement is still not read: ex2 is graded on what the student wrote
    (tmp_path / "ex2" / "notes.txt").write_text("à faire\n", encoding="utf-8")
    out = io.StringIO()
    status = main(["check", "ex2", "--path", str(tmp_path), "--format", "json"], stdout=out)
    data = json.loads(out.getvalue())
    first = data["exercises"][0]["checks"][0]
    assert status == 1 and data["totals"]["points"] == 0
    assert first["hint_key"] == "common.no_compose_or_run"


@pytest.mark.docker
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
    main(
        [
            "check",
            "ex4",
            "ex15",
            "--path",
            str(tmp_path),
            "--kubeconfig",
            "/nonexistent",
            "--save",
            f"json:{report}",
        ]
    )
    assert main(["verify", str(report), "--rerun"]) == 0
    (tmp_path / "ex15" / "web.yaml").write_text("kind: Service\n", encoding="utf-8")
    assert main(["verify", str(report), "--rerun"]) == 1


def _run_jobs(
    template: dict[str, Any], jobs: dict[str, tuple[str, ...]], cwd: Path, variables: dict[str, str]
) -> None:
    """The template's script lines of `jobs` (each on its CI_NODE_INDEXes), run here; the
    install line is the one not run: this very grader is already installed."""
    for job, nodes in jobs.items():
        lines = [line for line in template[job]["script"] if "docker-k8s-grader" not in line]
        for node in nodes:
            env = {**os.environ, **variables, "CI_NODE_INDEX": node}
            ran = subprocess.run(
                ["bash", "-ec", "\n".join(lines)],
                cwd=cwd,
                env=env,
                capture_output=True,
                text=True,
                timeout=600,
                check=False,
            )
            assert ran.returncode == 0, ran.stdout + ran.stderr


@pytest.mark.docker
def test_the_teacher_template_validates_and_its_shards_and_merge_run_here(
    tmp_path: Path, engine: object, gitlab: FakeGitLab
) -> None:
    teacher = ROOT / "grader" / "templates" / "teacher-batch.gitlab-ci.yml"
    done = _schema_check(teacher)
    assert done.returncode == 0, done.stdout + done.stderr
    template = yaml.safe_load(teacher.read_text(encoding="utf-8"))
    variables = {
        **template["variables"],
        "GRADER_ARGS": "--exercises ex1",
        "CI_NODE_TOTAL": "2",
        "PATH": f"{BIN}:{os.environ['PATH']}",
    }
    _run_jobs(template, {"grade-shard": ("1", "2"), "class": ("",)}, tmp_path, variables)
    assert sorted(p.name for p in (tmp_path / "results").glob("journal*")) == [
        "journal.shard-1-of-2.jsonl",
        "journal.shard-2-of-2.jsonl",
    ]
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
    _run_jobs(
        template,
        {"class": ("",)},
        tmp_path,
        variables
        | {
            "GRADER_PREVIOUS": "4242",
            "CI_API_V4_URL": f"{gitlab.base}/api/v4",
            "CI_PROJECT_ID": "77",
        },
    )
    changes = json.loads((tmp_path / "class" / "changes.json").read_text(encoding="utf-8"))
    assert (changes["before"], changes["unchanged"], changes["students"]) == (
        "previous/class",
        2,
        [],
    )
    assert 'href="changes.html"' in (tmp_path / "class" / "dashboard.html").read_text()
