"""grader/containers/references.py and publish.py: image names as Docker reads them, and the
publishing commands a student writes, read as text (never executed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.containers import publish, references
from grader.containers.references import InvalidReference

VARIABLES = publish.course_variables("registry.gitlab.com", {})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("cowsay", "docker.io/library/cowsay:latest"),
        ("monnom/cowsay:1.0", "docker.io/monnom/cowsay:1.0"),
        ("docker.io/monnom/cowsay", "docker.io/monnom/cowsay:latest"),
        ("index.docker.io/library/ubuntu:22.04", "docker.io/library/ubuntu:22.04"),
        ("registry.gitlab.com/g/p/cowsay:1.0.0", "registry.gitlab.com/g/p/cowsay:1.0.0"),
        ("localhost:5000/cowsay", "localhost:5000/cowsay:latest"),
        ("127.0.0.1:5000/g/cowsay:v2", "127.0.0.1:5000/g/cowsay:v2"),
    ],
)
def test_a_reference_is_read_as_docker_reads_it(text: str, expected: str) -> None:
    assert str(references.parse(text)) == expected


def test_docker_refuses_capitals_in_a_repository_name_with_its_own_words() -> None:
    with pytest.raises(InvalidReference, match="repository name must be lowercase"):
        references.parse("registry.gitlab.com/g/p/Cowsay:1.0")
    with pytest.raises(InvalidReference, match="invalid reference format"):
        references.parse("cowsay:1.0:2")
    assert references.key("a b") is None


def steps(tmp_path: Path, files: dict[str, str]) -> list[tuple[str, list[str]]]:
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    plan = publish.read_plan(tmp_path, variables=VARIABLES)
    return [(s.kind, s.names) for s in plan.steps]


def test_the_script_s_variables_and_gitlab_s_are_expanded(tmp_path: Path) -> None:
    script = (
        "V=1.0.0\nexport IMAGE=$CI_REGISTRY_IMAGE/cowsay\n"
        'sudo docker build --tag="$IMAGE:$V" -f Dockerfile .\n'
        "docker image push ${IMAGE}:${V}\n"
    )
    assert steps(tmp_path, {"publish.sh": script}) == [
        ("build", ["registry.gitlab.com/groupe/projet/cowsay:1.0.0"]),
        ("push", ["registry.gitlab.com/groupe/projet/cowsay:1.0.0"]),
    ]


def test_readme_prompts_output_and_buildx_push_are_read(tmp_path: Path) -> None:
    readme = (
        "```console\n$ docker buildx build -t registry.gitlab.com/g/p/cowsay:1.0.0 \\\n"
        "    --push .\nThe push refers to repository [x]\n```\n"
    )
    (tmp_path / "README.md").write_text(readme, encoding="utf-8")
    plan = publish.read_plan(tmp_path, variables=VARIABLES)
    assert [(s.kind, s.names, s.push) for s in plan.steps] == [
        ("build", ["registry.gitlab.com/g/p/cowsay:1.0.0"], True)
    ]


def test_the_file_that_pushes_is_the_one_replayed(tmp_path: Path) -> None:
    files = {
        "README.md": "```\ndocker build -t cowsay .\n```\n",
        "publish.sh": "docker push registry.gitlab.com/g/p/cowsay:1\n",
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    assert publish.read_plan(tmp_path, variables=VARIABLES).file == "publish.sh"


def test_an_unknown_variable_or_a_substitution_is_a_problem_of_that_push(tmp_path: Path) -> None:
    script = "docker push r.example/g/cowsay:$VERSION\ndocker push r.example/g/c:$(date +%s)\n"
    (tmp_path / "publish.sh").write_text(script, encoding="utf-8")
    plan = publish.read_plan(tmp_path, variables=VARIABLES)
    assert [(s.error, s.detail, s.verb) for s in plan.steps] == [
        ("undefined_variable", "VERSION", "push"),
        ("substitution", "r.example/g/c:$(date", "push"),
    ]
    assert len(plan.pushes) == 2


@pytest.mark.parametrize(
    ("line", "literal"),
    [
        ("docker login -u eleve -p secret registry.gitlab.com", True),
        ("docker login -u eleve --password=secret", True),
        ('docker login -u "$CI_REGISTRY_USER" -p "$CI_REGISTRY_PASSWORD" $CI_REGISTRY', False),
        ('echo "$T" | docker login -u x --password-stdin registry.gitlab.com', False),
    ],
)
def test_a_password_written_in_the_file_is_told_from_a_variable(
    tmp_path: Path, line: str, literal: bool
) -> None:
    (tmp_path / "publish.sh").write_text(line + "\n", encoding="utf-8")
    [step] = publish.read_plan(tmp_path, variables=VARIABLES).steps
    assert step.kind == "login" and step.literal_password is literal


def test_a_gitlab_job_s_own_variables_win_over_the_example() -> None:
    job = {"CI_REGISTRY": "registry.ecole.fr", "CI_REGISTRY_IMAGE": "registry.ecole.fr/a/b"}
    found = publish.course_variables("registry.gitlab.com", job)
    assert found["CI_REGISTRY_IMAGE"] == "registry.ecole.fr/a/b"
    assert publish.course_variables("registry.gitlab.com", {})["CI_REGISTRY_IMAGE"] == (
        "registry.gitlab.com/groupe/projet"
    )
