"""The grader's pytest plugin is loaded only where it is asked for (`-p grader.grading.plugin`)."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path


def test_no_pytest11_entry_point_loads_the_plugin_everywhere() -> None:
    assert [e for e in entry_points(group="pytest11") if e.value.startswith("grader")] == []


def test_another_projects_pytest_run_does_not_load_the_grader(tmp_path: Path) -> None:
    (tmp_path / "test_other.py").write_text(
        "import sys\n\ndef test_alone():\n"
        "    assert 'grader.grading.plugin' not in sys.modules and 'docker' not in sys.modules\n"
    )
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
