"""The GitLab side, run locally: `grader init` scaffolds a repository whose CI files validate
against GitLab's schema; a signed report survives `grader verify --rerun` on an unchanged tree.
The templates themselves run in a GitLab CI interpreter: tests/integration/test_pipelines.py."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from grader.classroom.scaffold import TEMPLATE, init
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


def test_the_teacher_template_validates_and_its_shards_and_merge_run_here(
    tmp_path: Path, engine: object, gitlab: object
) -> None:
    teacher = ROOT / "templates" / "teacher-batch.gitlab-ci.yml"
    done = _schema_check(teacher)
    assert done.returncode == 0, done.stdout + done.stderr
    template = yaml.safe_load(teacher.read_text(encoding="utf-8"))
    variables = {**template["variables"], "GRADER_ARGS": "--exercises ex1", "CI_NODE_TOTAL": "2",
                 "PATH": f"{BIN}:{os.environ['PATH']}"}  # fmt: skip
    for job, nodes in (("grade-shard", ("1", "2")), ("class", ("",))):
        lines = [line for line in template[job]["script"] if not line.startswith("pip install")]
        for node in nodes:
            env = {**os.environ, **variables, "CI_NODE_INDEX": node}
            ran = subprocess.run(["bash", "-ec", "\n".join(lines)], cwd=tmp_path, env=env,
                                 capture_output=True, text=True, timeout=600, check=False)  # fmt: skip
            assert ran.returncode == 0, ran.stdout + ran.stderr
    assert sorted(p.name for p in (tmp_path / "results").glob("journal*")) == [
        "journal.shard-1-of-2.jsonl", "journal.shard-2-of-2.jsonl"]  # fmt: skip
    gradebook = (tmp_path / "class" / "gradebook.csv").read_text(encoding="utf-8").splitlines()
    assert gradebook[1].startswith("amartin,Alice Martin,10,")
    assert gradebook[2].startswith("groupe-b__bpetit,Bruno Petit,5,")
    assert (tmp_path / "class" / "students" / "amartin" / "report.html").is_file()
    assert "Tableau de bord de la classe" in (tmp_path / "class" / "dashboard.html").read_text()
