"""The grader as a teacher installs it: a wheel built from this tree, installed in a fresh
virtual environment, self-tests a built-in exercise from what the wheel ships (the exercise
whole, variants included; the stand-in recipes) — nothing read from the source tree.

The wheel goes in with `--no-deps`: its dependencies are lent by the environment running the
tests (a `.pth` naming its site-packages), so that the test needs no package index."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.helpers.repos import ROOT

pytestmark = [pytest.mark.docker, pytest.mark.slow]


def _run(*command: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return subprocess.run(
        [str(c) for c in command], cwd=cwd, env=env, capture_output=True, text=True, timeout=600
    )


def _installed_wheel(tmp_path: Path) -> Path:
    """A fresh venv holding the wheel built from ROOT; its python."""
    isolation = [] if importlib.util.find_spec("hatchling") is None else ["--no-isolation"]
    built = _run(
        sys.executable,
        "-m",
        "build",
        "--wheel",
        *isolation,
        "-o",
        tmp_path / "dist",
        ROOT,
        cwd=tmp_path,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    venv = tmp_path / "venv"
    assert _run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=tmp_path).returncode == 0
    python = venv / "bin" / "python"
    wheel = next((tmp_path / "dist").glob("*.whl"))
    pip = _run(
        sys.executable,
        "-m",
        "pip",
        "--python",
        python,
        "install",
        "--no-deps",
        "-q",
        wheel,
        cwd=tmp_path,
    )
    assert pip.returncode == 0, pip.stdout + pip.stderr
    site = _run(
        python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", cwd=tmp_path
    )
    dependencies = Path(yaml.__file__).resolve().parents[1]  # where this run's packages are
    (Path(site.stdout.strip()) / "_dependencies.pth").write_text(f"{dependencies}\n")
    return python


def test_a_wheel_installed_in_a_fresh_venv_self_tests_ex5_with_the_variants_it_ships(
    engine: object, tmp_path: Path
) -> None:
    python = _installed_wheel(tmp_path)
    where = _run(python, "-c", "import grader.paths as p; print(p.exercises_dir())", cwd=tmp_path)
    shipped = Path(where.stdout.strip())
    assert shipped.parts[-3:] == ("grader", "_data", "exercises") and ROOT not in shipped.parents
    variants = sorted(p.name for p in (ROOT / "exercises/ex5_nginx_image/variants").iterdir())
    assert sorted(p.name for p in (shipped / "ex5_nginx_image/variants").iterdir()) == variants
    selftest = _run(python, "-m", "grader", "selftest", "ex5", cwd=tmp_path)
    assert selftest.returncode == 0, selftest.stdout + selftest.stderr
    assert f"{len(variants) + 1}/{len(variants) + 1} cases as expected" in selftest.stdout
    assert not (shipped / "ex1_cowsay/variants/symlink_outside").exists()
