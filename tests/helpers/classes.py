"""Generated classes of student repositories, for the batch tests and the benchmark."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Mistakes students really make, one per exercise, for generated classes.
BROKEN = {
    "ex1": "forgot_install",
    "ex2": "reversed_mapping",
    "ex3": "no_volume",
    "ex5": "copy_to_wrong_directory",
    "ex6": "wrong_db_host",
    "ex7": "runs_as_root",
}


def solution(exercise: str) -> Path:
    return next((ROOT / "exercises").glob(f"{exercise}_*")) / "solution"


def source(exercise: str, variant: str | None) -> Path:
    return (
        solution(exercise) if variant is None else solution(exercise).parent / "variants" / variant
    )


def git(repo: Path, *args: str, date: str | None = None) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "Étudiant",
        "GIT_AUTHOR_EMAIL": "e@example.org",
        "GIT_COMMITTER_NAME": "Étudiant",
        "GIT_COMMITTER_EMAIL": "e@example.org",
    }
    if date:
        env |= {"GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date}
    done = subprocess.run(
        ["git", "-C", str(repo), *args], env=env, check=True, capture_output=True, text=True
    )
    return done.stdout.strip()


def make_student(
    repo: Path, work: dict[str, str | None], *, date: str | None = None, git_repo: bool = True
) -> Path:
    """A student's repository holding `exercise → variant` (None: the reference solution)."""
    repo.mkdir(parents=True, exist_ok=True)
    for exercise, variant in work.items():
        shutil.copytree(
            source(exercise, variant),
            repo / exercise,
            symlinks=True,
            dirs_exist_ok=True,
            ignore=shutil.ignore_patterns("expect.yaml"),
        )
    if git_repo:
        if not (repo / ".git").exists():
            git(repo, "init", "--quiet", "--initial-branch=main")
        git(repo, "add", "--all")
        git(repo, "commit", "--quiet", "--allow-empty", "-m", "travail", date=date)
    return repo


def served(folder: Path, name: str, work: dict[str, str | None]) -> Path:
    """A student's repository as a Git server serves it over dumb HTTP: a bare clone, under
    `folder/served/<name>.git`, its info refreshed (`folder/src/<name>` is the work tree)."""
    bare = folder / "served" / f"{name}.git"
    subprocess.run(
        [
            "git",
            "clone",
            "--quiet",
            "--bare",
            str(make_student(folder / "src" / name, work)),
            str(bare),
        ],
        check=True,
    )
    git(bare, "update-server-info")
    return bare


def make_class(folder: Path, size: int, exercises: list[str]) -> Path:
    """`size` students: every third one makes the usual mistake in one exercise."""
    for k in range(size):
        work: dict[str, str | None] = {e: None for e in exercises}
        if k % 3 == 2:
            broken = exercises[(k // 3) % len(exercises)]
            work[broken] = BROKEN.get(broken)
        make_student(folder / f"etu{k + 1:02d}", work)
    return folder


def commit_at(repo: Path, files: dict[str, str], date: str) -> str:
    """Commit `files` (path → text) into `repo` (made if need be) with this author and
    committer date (`GIT_AUTHOR_DATE`, `GIT_COMMITTER_DATE`); returns the commit's id."""
    repo.mkdir(parents=True, exist_ok=True)
    if not (repo / ".git").exists():
        git(repo, "init", "--quiet", "--initial-branch=main")
    for relative, text in files.items():
        path = repo / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    git(repo, "add", "--all")
    git(repo, "commit", "--quiet", "--allow-empty", "-m", f"travail {date}", date=date)
    return git(repo, "rev-parse", "HEAD")
