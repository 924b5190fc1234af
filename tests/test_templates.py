"""The CI templates name the version they install, and only the one `grader/__init__.py` says;
`grader init` pins the student template to the grader that writes it."""

from __future__ import annotations

import re

import pytest
import yaml

import grader.teaching.scaffold as scaffold
from grader import __version__
from grader.paths import templates_dir


@pytest.mark.parametrize("name", ["student.gitlab-ci.yml", "teacher-batch.gitlab-ci.yml"])
def test_each_template_installs_this_version_of_our_distribution(name: str) -> None:
    template = yaml.safe_load((templates_dir() / name).read_text(encoding="utf-8"))
    assert template["variables"]["GRADER_VERSION"] == __version__
    scripts = [job.get("script", []) for job in template.values() if isinstance(job, dict)]
    installs = [line for script in scripts for line in script if "pip install" in line]
    ours = [line for line in installs if "docker-k8s-grader" in line]
    assert ours and all('"docker-k8s-grader==$GRADER_VERSION"' in line for line in ours)
    assert not any(re.search(r"(?<![-\w])grader==", line) for line in installs)  # PyPI's grader


def test_init_pins_the_student_template_to_the_installed_grader(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(scaffold, "__version__", "9.8.7")
    pinned = yaml.safe_load(scaffold.student_template())
    assert pinned["variables"]["GRADER_VERSION"] == "9.8.7"
