"""A `.gitlab-ci.yml` job is read like `publish.sh` (issue 23, item 6)."""

from __future__ import annotations

from pathlib import Path

from grader.containers import publish

CI = """\
variables:
  VERSION: "1.0.0"
.template:
  script: [docker push hidden/never:1]
publish:
  variables:
    IMAGE: $CI_REGISTRY_IMAGE/cowsay
  before_script:
    - echo "$CI_REGISTRY_PASSWORD" | docker login -u "$CI_REGISTRY_USER" --password-stdin
  script:
    - docker build -t "$IMAGE:$VERSION" .
    - |
      docker push \\
        "$IMAGE:$VERSION"
"""


def _plan(tmp_path: Path, text: str) -> publish.Plan:
    (tmp_path / ".gitlab-ci.yml").write_text(text, encoding="utf-8")
    return publish.read_plan(tmp_path, variables=publish.course_variables("registry.example", {}))


def test_a_job_builds_and_pushes_with_its_variables_and_the_files(tmp_path: Path) -> None:
    plan = _plan(tmp_path, CI)
    assert plan.file == ".gitlab-ci.yml"
    assert plan.steps[0].kind == "login"
    assert [(s.kind, s.names) for s in plan.steps[1:]] == [
        ("build", ["registry.example/groupe/projet/cowsay:1.0.0"]),
        ("push", ["registry.example/groupe/projet/cowsay:1.0.0"]),
    ]
    assert plan.steps[1].where == ".gitlab-ci.yml:11"


def test_hidden_jobs_are_templates_and_are_not_read(tmp_path: Path) -> None:
    assert all("hidden/never:1" not in s.names for s in _plan(tmp_path, CI).steps)


def test_a_file_that_is_not_yaml_gives_no_command(tmp_path: Path) -> None:
    assert _plan(tmp_path, "script: [unclosed\n").steps == []
