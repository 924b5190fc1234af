"""The CI templates name the version they install, and only the one `grader/__init__.py` says;
`grader init` pins the student template to the grader that writes it."""

from __future__ import annotations

import re

import pytest
import yaml

import grader.classroom.scaffold as scaffold
from grader import __version__
from grader.paths import templates_dir


@pytest.mark.parametrize("name", ["student.gitlab-ci.yml", "teacher-batch.gitlab-ci.yml"])
def test_each_template_installs_this_version_of_our_distribution(name: str) -> None:
    template = yaml.safe_load((templates_dir() / name).read_text(encoding="utf-8"))
    assert template["variables"]["GRADER_VERSION"] == __version__
    installs = [line for job in template.values() if isinstance(job, dict)
                for line in job.get("script", []) if "pip install" in line]  # fmt: skip
    assert installs and all('"docker-k8s-grader==$GRADER_VERSION"' in line for line in installs)
    assert not any(
        re.search(r"\bgrader==", line) for line in installs
    )  # PyPI's `grader` is not ours


def test_init_pins_the_student_template_to_the_installed_grader(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(scaffold, "__version__", "9.8.7")
    pinned = yaml.safe_load(scaffold.student_template())
    assert pinned["variables"]["GRADER_VERSION"] == "9.8.7"
