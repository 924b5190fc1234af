"""Teachers' packs without an engine: loading, names, refusals, installed packs, `grader new`,
and `grader selftest` on a Kubernetes exercise (graded statically, no engine needed)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from grader.cli import main
from grader.model.catalogue import BUILT_IN, Catalogue, Pack, packs
from grader.teaching.new_exercise import NewExerciseError, scaffold
from tests.helpers.repos import ROOT


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    return main(list(argv), stdout=out), out.getvalue()


def test_a_pack_adds_its_exercises_after_ours_and_says_where_they_come_from(
    tmp_path: Path,
) -> None:
    scaffold(tmp_path / "tp", "tp1", kind="kubernetes", slug="web")
    catalogue = Catalogue.load(packs=[Pack("tp", tmp_path / "tp")])
    assert catalogue.ids()[-1] == "tp1" and catalogue.get("tp1").origin == "tp"
    assert catalogue.get("ex1").origin == BUILT_IN
    status, out = run("list", "--pack", str(tmp_path / "tp"))
    assert (
        status == 0
        and "tp1" in out
        and "Un Deployment nginx" in out
        and out.rstrip().endswith("tp")
    )


def test_a_clashing_id_is_namespaced_and_keeps_its_own_messages(tmp_path: Path) -> None:
    scaffold(tmp_path / "tp", "ex1", kind="kubernetes", slug="mine")
    catalogue = Catalogue.load(packs=[Pack("tp", tmp_path / "tp")])
    theirs = catalogue.get("tp-ex1")
    assert theirs.submission == "tp-ex1" and theirs.key_prefix == "ex1"
    assert catalogue.get("ex1").origin == BUILT_IN  # ours is untouched
    messages = catalogue.messages(theirs)
    assert "2 are expected" in (messages.text("ex1.replicas", "en") or "")
    assert messages.text("ex1.no_cow", "fr") is None  # our ex1's messages are not theirs


def test_a_check_importing_grader_internals_is_refused_with_why(tmp_path: Path) -> None:
    scaffold(tmp_path / "tp", "tp1", kind="kubernetes", slug="web")
    module = tmp_path / "tp" / "tp1_web" / "test_web.py"
    module.write_text(module.read_text() + "\nfrom grader.containers.engine import connect\n")
    catalogue = Catalogue.load(packs=[Pack("tp", tmp_path / "tp")])
    assert "tp1" not in catalogue
    assert "imports grader.containers.engine connect" in catalogue.refused["tp1"]
    assert "grader.authoring only" in catalogue.refused["tp1"]
    status, out = run("list", "--pack", str(tmp_path / "tp"))
    assert status == 0 and "REFUSED" in out
    status, _ = run("check", "tp1", "--pack", str(tmp_path / "tp"), "--path", str(tmp_path))
    assert status == 2


def test_a_malformed_exercise_folder_is_refused_not_fatal(tmp_path: Path) -> None:
    folder = tmp_path / "tp" / "tp1_broken"
    folder.mkdir(parents=True)
    (folder / "exercise.yaml").write_text("id: tp1\ntitle: [oops\n")
    catalogue = Catalogue.load(packs=[Pack("tp", tmp_path / "tp"), Pack("x", tmp_path / "nope")])
    assert "tp/tp1_broken" in catalogue.refused and "x/nope" in catalogue.refused
    assert "ex1" in catalogue


def test_packs_come_from_the_environment_and_from_installed_packages(tmp_path: Path) -> None:
    scaffold(tmp_path / "envpack", "tp1", kind="kubernetes", slug="web")
    installed = tmp_path / "site" / "coursepack"
    scaffold(installed, "tp2", kind="kubernetes", slug="job")
    (installed / "__init__.py").write_text("")
    info = tmp_path / "site" / "coursepack-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: coursepack\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[grader.exercises]\ncourse = coursepack\n")
    env = os.environ | {
        "GRADER_EXERCISES": str(tmp_path / "envpack"),
        "PYTHONPATH": os.pathsep.join([str(tmp_path / "site"), str(ROOT)]),
    }
    done = subprocess.run(
        [sys.executable, "-m", "grader", "list"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    lines = {line.split()[0]: line for line in done.stdout.splitlines()}
    assert lines["tp1"].endswith("envpack") and lines["tp2"].endswith("course")
    assert [p.name for p in packs([], environ={})] == []


def test_new_refuses_what_it_cannot_write(tmp_path: Path) -> None:
    scaffold(tmp_path, "tp1", kind="dockerfile", slug="hello")
    with pytest.raises(NewExerciseError, match="already exists"):
        scaffold(tmp_path, "tp1", kind="dockerfile", slug="hello")
    with pytest.raises(NewExerciseError, match="an id like tp1"):
        scaffold(tmp_path, "TP-1", kind="dockerfile")
    status, _ = run("new", "Bad Id", "--pack", str(tmp_path))
    assert status == 2


@pytest.mark.parametrize("kind", ["dockerfile", "compose", "kubernetes", "live"])
def test_new_writes_an_exercise_of_our_shape(tmp_path: Path, kind: str) -> None:
    status, out = run("new", "tp1", "--kind", kind, "--slug", "demo", "--pack", str(tmp_path))
    assert status == 0 and "grader selftest" in out
    catalogue = Catalogue.load(packs=[Pack("tp", tmp_path)])
    exercise = catalogue.get("tp1")
    assert catalogue.refused == {} and (exercise.folder / "solution").is_dir()
    assert (exercise.folder / "README.md").read_text().startswith("# tp1 — ")
    if kind != "live":
        assert sorted(p.name for p in exercise.variants.iterdir()) != []
        assert all((v / "expect.yaml").is_file() for v in exercise.variants.iterdir())


def test_selftest_of_a_new_kubernetes_exercise_passes_then_catches_a_wrong_expectation(
    tmp_path: Path,
) -> None:
    """The scaffold passes its own selftest; an expect.yaml that lies is reported, with what
    differs, and the command fails."""
    scaffold(tmp_path / "tp", "tp1", kind="kubernetes", slug="web")
    status, out = run("selftest", str(tmp_path / "tp"))
    assert status == 0, out
    assert "ok   tp1 reference" in out and "ok   tp1 one_replica" in out
    assert out.rstrip().endswith("2/2 cases as expected")
    expect = tmp_path / "tp" / "tp1_web" / "variants" / "one_replica" / "expect.yaml"
    expect.write_text("failed:\n  test_a_deployment_runs_nginx: tp1.no_deployment\n")
    status, out = run("selftest", str(tmp_path / "tp"))
    assert status == 1 and "FAIL tp1 one_replica" in out
    assert "test_a_deployment_runs_nginx: passed (None), expected failed" in out
    assert "test_two_replicas: failed (tp1.replicas), not listed in expect.yaml" in out
