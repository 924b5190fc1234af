"""`grader init`: a student repository ready for GitLab — one folder per exercise with its
statement (`ENONCE.md`) and a note (`A-FAIRE.txt`), neither ever an answer nor worth a point
(`grader.grading.started`), and a `.gitlab-ci.yml` that includes the grading template."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from grader import __version__
from grader.grading.started import scaffold
from grader.model.catalogue import Catalogue
from grader.paths import templates_dir

TEMPLATE = ".gitlab/grader.gitlab-ci.yml"
CI_FILE = """\
# Every push is graded by grader (see .gitlab/grader.gitlab-ci.yml).
include:
  - local: .gitlab/grader.gitlab-ci.yml
"""


def init(target: Path, catalogue: Catalogue, *, ids: list[str] | None = None) -> list[str]:
    """Write the scaffold under `target`; never overwrites: returns what was written/kept.
    `ids`: only these exercises, in this order (a course's), instead of the whole catalogue."""
    done: list[str] = []

    def write(relative: str, text: str) -> None:
        path = target / relative
        if path.exists():
            done.append(f"kept {relative}")
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        done.append(f"wrote {relative}")

    write(".gitlab-ci.yml", CI_FILE)
    write(TEMPLATE, student_template())
    lines = ["# Mes exercices Docker et Kubernetes", ""]
    for exercise in [catalogue.get(i) for i in ids] if ids is not None else list(catalogue):
        folder = exercise.submission
        for name, text in scaffold(exercise).items():
            write(f"{folder}/{name}", text)
        lines.append(f"- `{folder}/` — {exercise.title_in('fr')} ({exercise.points} pts)")
    write("README.md", "\n".join(lines) + "\n")
    return done


def copy_solutions(target: Path, catalogue: Catalogue) -> None:
    """The reference solutions into a scaffold (used to prove the scaffold grades)."""
    for exercise in catalogue:
        if "files" in exercise.modes:
            shutil.copytree(
                exercise.folder / "solution", target / exercise.submission, dirs_exist_ok=True
            )


def student_template() -> str:
    """The student template, pinned to this grader's version (the job installs the grader that
    scaffolded the repository; `__version__` is the one place a version is written)."""
    text = (templates_dir() / "student.gitlab-ci.yml").read_text(encoding="utf-8")
    return re.sub(r'(?m)^(  GRADER_VERSION: )"[^"]*"', rf'\g<1>"{__version__}"', text, count=1)
