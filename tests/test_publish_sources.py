"""Where ex16's publishing commands are read from (issue 23, item 6): commands split over
several scripts, read together in the order the folder gives (grader/containers/script_order.py),
and the jobs of the repository's root `.gitlab-ci.yml` that build the exercise's folder
(grader/containers/publish.py). Text only, no engine."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from grader.containers import gitlab_ci, publish, script_order

VARIABLES = publish.course_variables("registry.gitlab.com", {})
BUILD = "docker build -t cowsay .\n"
TAG = "docker tag cowsay registry.gitlab.com/g/p/cowsay:1.0.0\n"
PUSH = "docker push registry.gitlab.com/g/p/cowsay:1.0.0\n"


def folder_with(
    tmp_path: Path, files: dict[str, str], *, root: dict[str, str] | None = None
) -> Path:
    """A repository under tmp_path whose `ex16/` holds `files` and whose root holds `root`."""
    folder = tmp_path / "ex16"
    folder.mkdir(parents=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    for name, text in (root or {}).items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    return folder


def read(folder: Path) -> publish.Plan:
    return publish.read_plan(folder, variables=VARIABLES, root=folder.parent, inside="ex16")


def where(plan: publish.Plan) -> list[str]:
    return [step.where for step in plan.steps]


# --- scripts read together ---------------------------------------------------------------------


def test_scripts_run_in_the_readme_s_code_block_are_read_in_that_order(tmp_path: Path) -> None:
    readme = "Voir `push.sh`.\n\n```bash\n./tag.sh\n./push.sh\n```\n\n```\n./build.sh\n```\n"
    files = {"build.sh": BUILD, "tag.sh": TAG, "push.sh": PUSH, "README.md": readme}
    plan = read(folder_with(tmp_path, files))
    assert plan.file == "tag.sh + push.sh + build.sh"  # the code blocks', not the text's
    assert where(plan) == ["tag.sh:1", "push.sh:1", "build.sh:1"]


def test_the_readme_s_text_gives_the_order_when_its_code_blocks_do_not(tmp_path: Path) -> None:
    readme = "Lancez d'abord `build.sh`, puis `sh push.sh`.\n"
    files = {"push.sh": TAG + PUSH, "build.sh": BUILD, "test.sh": BUILD, "README.md": readme}
    assert read(folder_with(tmp_path, files)).file == "build.sh + push.sh"


def test_a_makefile_target_gives_make_s_order_prerequisites_and_sub_makes_first(
    tmp_path: Path,
) -> None:
    makefile = (
        ".PHONY: all build\nVERSION := 1.0.0\nall: publish\n\n"
        "build:\n\t./b.sh\ntag: build\n\tsh c.sh\n"
        "publish: tag\n\t$(MAKE) push\n\t@echo fini\npush:\n\tbash a.sh\n"
    )
    (tmp_path / "Makefile").write_text(makefile, encoding="utf-8")
    assert script_order.given_order(tmp_path, ["a.sh", "b.sh", "c.sh"]) == ["b.sh", "c.sh", "a.sh"]


def test_a_makefile_orders_scripts_that_have_no_natural_order(tmp_path: Path) -> None:
    makefile = "publish: build release latest\nbuild:\n\t./build.sh\n"
    makefile += "release:\n\t./release.sh\nlatest:\n\t./latest.sh\n"
    latest = "docker tag cowsay r.example/g/cowsay:latest\ndocker push r.example/g/cowsay:latest\n"
    files = {"build.sh": BUILD, "release.sh": TAG + PUSH, "latest.sh": latest}
    assert read(folder_with(tmp_path, files)).ambiguous == ("build.sh", "latest.sh", "release.sh")
    (tmp_path / "ex16" / "Makefile").write_text(makefile, encoding="utf-8")
    assert read(tmp_path / "ex16").file == "build.sh + release.sh + latest.sh"


def test_a_script_that_calls_the_others_gives_their_order(tmp_path: Path) -> None:
    files = {"b.sh": PUSH, "a.sh": BUILD, "c.sh": BUILD, "run.sh": "./c.sh && ./b.sh\n"}
    assert read(folder_with(tmp_path, files)).file == "c.sh + b.sh"


@pytest.mark.parametrize(
    ("kinds", "order"),
    [
        (
            {"push.sh": {"push"}, "tag.sh": {"tag"}, "build.sh": {"build"}},
            ["build.sh", "tag.sh", "push.sh"],
        ),
        ({"p.sh": {"tag", "push"}, "b.sh": {"build", "tag"}}, ["b.sh", "p.sh"]),
        (
            {"p.sh": {"push"}, "login.sh": {"login"}, "b.sh": {"build"}},
            ["b.sh", "login.sh", "p.sh"],
        ),
        ({"build.sh": {"build"}, "test.sh": {"build"}, "push.sh": {"push"}}, None),
        ({"all.sh": {"build", "push"}, "tag.sh": {"tag"}}, None),
        ({"one.sh": {"tag", "push"}, "two.sh": {"tag", "push"}}, None),
        ({"b.sh": {"build"}, "broken.sh": set()}, None),
    ],
)
def test_the_natural_order_is_taken_only_when_it_is_the_one_order_the_scripts_allow(
    kinds: dict[str, set[str]], order: list[str] | None
) -> None:
    assert script_order.natural_order(kinds) == order


def test_scripts_with_no_order_given_nor_natural_are_ambiguous_steps_kept_for_reading(
    tmp_path: Path,
) -> None:
    login = "docker login -u eleve -p secret registry.gitlab.com\n"
    files = {"build.sh": BUILD, "test.sh": BUILD + "docker run cowsay\n", "push.sh": login + PUSH}
    plan = read(folder_with(tmp_path, files))
    assert plan.file is None and plan.ambiguous == ("build.sh", "push.sh", "test.sh")
    assert [s.literal_password for s in plan.steps if s.kind == "login"] == [True]


@pytest.mark.parametrize(
    ("job", "file"),
    [
        ("    - cd ex16\n    - ./build.sh\n    - ./push.sh\n", "build.sh + push.sh"),
        ("    - cd $CI_PROJECT_DIR/ex16 && sh build.sh && sh push.sh\n", "build.sh + push.sh"),
        ("    - cd ex1 && ./build.sh && ./push.sh\n", None),  # another folder's scripts
    ],
)
def test_a_root_job_that_runs_the_folder_s_scripts_gives_their_order(
    tmp_path: Path, job: str, file: str | None
) -> None:
    login = "docker login -u eleve -p secret registry.gitlab.com\n"
    files = {"build.sh": BUILD, "test.sh": BUILD + "docker run cowsay\n", "push.sh": login + PUSH}
    ci = "publish:\n  stage: deploy\n  script:\n" + job
    plan = read(folder_with(tmp_path, files, root={".gitlab-ci.yml": ci}))
    assert plan.file == file
    assert plan.ambiguous == (() if file else ("build.sh", "push.sh", "test.sh"))


def test_a_file_that_builds_and_pushes_is_read_alone_next_to_other_scripts(tmp_path: Path) -> None:
    files = {"publish.sh": BUILD + TAG + PUSH, "build.sh": BUILD, "push.sh": PUSH}
    assert read(folder_with(tmp_path, files)).file == "publish.sh"


def test_a_readme_that_pushes_is_not_mixed_with_a_lone_build_script(tmp_path: Path) -> None:
    files = {"README.md": f"```\n{TAG}{PUSH}```\n", "build.sh": BUILD}
    assert read(folder_with(tmp_path, files)).file == "README.md"


def test_a_file_without_extension_is_one_of_the_scripts_with_its_shebang(tmp_path: Path) -> None:
    files = {"build": "#!/bin/sh\n" + BUILD, "push.sh": TAG + PUSH}
    assert read(folder_with(tmp_path, files)).file == "build + push.sh"
    (tmp_path / "ex16" / "build").write_text(BUILD, encoding="utf-8")
    assert read(tmp_path / "ex16").file == "push.sh"


# --- the repository's root .gitlab-ci.yml ------------------------------------------------------

ROOT_CI = """\
include:
  - local: .gitlab/grader.gitlab-ci.yml
variables:
  IMAGE: $CI_REGISTRY_IMAGE/cowsay
site:
  script:
    - docker build -t $CI_REGISTRY_IMAGE/site:1 ex5
    - docker push $CI_REGISTRY_IMAGE/site:1
publish:
  before_script:
    - docker login -u $CI_REGISTRY_USER -p $CI_REGISTRY_PASSWORD $CI_REGISTRY
  script:
    - docker build -t web ./ex1/
    - docker tag web $IMAGE:web
    - docker push $IMAGE:web
    - docker build -t $IMAGE:$CI_COMMIT_TAG ex16/
    - docker push $IMAGE:$CI_COMMIT_TAG
"""


def test_the_root_ci_jobs_that_build_the_folder_are_read_from_the_root(tmp_path: Path) -> None:
    plan = read(
        folder_with(tmp_path, {"Dockerfile": "FROM ubuntu\n"}, root={".gitlab-ci.yml": ROOT_CI})
    )
    assert plan.file == "../.gitlab-ci.yml"
    assert [(s.kind, s.names) for s in plan.steps] == [
        ("login", ["registry.gitlab.com"]),
        ("build", ["registry.gitlab.com/groupe/projet/cowsay:1.0.0"]),
        ("push", ["registry.gitlab.com/groupe/projet/cowsay:1.0.0"]),
    ]  # the site job and the ex1 image (its tag, its push) are other exercises'
    assert where(plan)[1] == "../.gitlab-ci.yml:16"
    assert not plan.steps[0].literal_password


@pytest.mark.parametrize(
    "script",
    [
        ["docker build -f ex16/Dockerfile -t $CI_REGISTRY_IMAGE:1.0.0 ."],
        ["docker build --file=./ex16/Dockerfile -t $CI_REGISTRY_IMAGE:1.0.0 ."],
        ["cd ex16", "docker build -t $CI_REGISTRY_IMAGE:1.0.0 ."],
        ["cd $CI_PROJECT_DIR/ex16 && docker build -t $CI_REGISTRY_IMAGE:1.0.0 ."],
        ["cd tp && cd ../ex16", "docker build -t $CI_REGISTRY_IMAGE:1.0.0 ."],
        ["docker build -t $CI_REGISTRY_IMAGE:1.0.0 $CI_PROJECT_DIR/ex16"],
    ],
)
def test_a_root_job_builds_the_folder_by_context_dockerfile_or_cd(
    tmp_path: Path, script: list[str]
) -> None:
    lines = "".join(f"    - {line}\n" for line in [*script, "docker push $CI_REGISTRY_IMAGE:1.0.0"])
    plan = read(folder_with(tmp_path, {}, root={".gitlab-ci.yml": f"job:\n  script:\n{lines}"}))
    assert [s.kind for s in plan.steps] == ["build", "push"]


@pytest.mark.parametrize(
    "script",
    [
        ["docker build -t $CI_REGISTRY_IMAGE:1.0.0 ex17"],
        ["docker build -t $CI_REGISTRY_IMAGE:1.0.0 ."],
        ["cd ex16", "cd ..", "docker build -t $CI_REGISTRY_IMAGE:1.0.0 ."],
        ["docker build -t $CI_REGISTRY_IMAGE:1.0.0 ex16-bis"],
        ["docker build -t $CI_REGISTRY_IMAGE:1.0.0 https://gitlab.com/g/p.git#main:ex16"],
        ["docker pull $CI_REGISTRY_IMAGE:1.0.0"],
    ],
)
def test_a_root_job_that_touches_other_folders_only_is_no_answer(
    tmp_path: Path, script: list[str]
) -> None:
    lines = "".join(f"    - {line}\n" for line in [*script, "docker push $CI_REGISTRY_IMAGE:1.0.0"])
    folder = folder_with(
        tmp_path,
        {"Dockerfile": "FROM ubuntu\n"},
        root={".gitlab-ci.yml": f"job:\n  script:\n{lines}"},
    )
    assert read(folder) == publish.Plan(None, [])


def test_the_folder_s_own_commands_win_over_the_root_ci(tmp_path: Path) -> None:
    root = {".gitlab-ci.yml": ROOT_CI}
    assert (
        read(folder_with(tmp_path, {"publish.sh": BUILD + TAG + PUSH}, root=root)).file
        == "publish.sh"
    )


def test_the_root_ci_is_read_when_the_folder_only_builds(tmp_path: Path) -> None:
    folder = folder_with(
        tmp_path, {"README.md": f"```\n{BUILD}```\n"}, root={".gitlab-ci.yml": ROOT_CI}
    )
    assert read(folder).file == "../.gitlab-ci.yml"
    folder.parent.joinpath(".gitlab-ci.yml").write_text("job:\n  script: [docker build ex16]\n")
    assert read(folder).file == "README.md"  # a root job that does not push: the folder's hint


def test_the_root_ci_is_never_read_through_a_symlink(tmp_path: Path) -> None:
    outside = tmp_path / "outside.yml"
    outside.write_text(ROOT_CI, encoding="utf-8")
    folder = folder_with(tmp_path / "repo", {"Dockerfile": "FROM ubuntu\n"})
    os.symlink(outside, folder.parent / ".gitlab-ci.yml")
    assert read(folder) == publish.Plan(None, [])


def test_the_root_ci_is_read_up_to_its_size_cap(tmp_path: Path) -> None:
    padding = "# " + "x" * 98 + "\n"
    text = ROOT_CI + padding * (gitlab_ci.MAX_BYTES // len(padding))
    folder = folder_with(
        tmp_path, {}, root={".gitlab-ci.yml": text + "late:\n  script: [docker build -t y ex16]\n"}
    )
    assert "y" not in [n for s in read(folder).steps for n in s.names]
    assert read(folder).pushes


def test_no_root_is_read_without_one(tmp_path: Path) -> None:
    folder = folder_with(tmp_path, {}, root={".gitlab-ci.yml": ROOT_CI})
    assert publish.read_plan(folder, variables=VARIABLES) == publish.Plan(None, [])
