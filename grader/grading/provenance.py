"""Where a report comes from: a digest of the graded files, the commit and its dates, the
environment."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import platform
import subprocess
from pathlib import Path
from typing import Any

GIT_TIMEOUT = 180  # seconds, as for the batch's other git calls


def tree_digest(folder: Path) -> str | None:
    """sha256 over the sorted (path, content digest) of the regular files under `folder`
    (symlinks and `.git` left out, as the grader itself leaves them out); None if absent."""
    if not folder.is_dir():
        return None
    entries: list[str] = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if d != ".git")
        for name in sorted(filenames):
            path = Path(dirpath) / name
            if path.is_symlink() or not path.is_file():
                continue
            content = hashlib.sha256(path.read_bytes()).hexdigest()
            entries.append(f"{path.relative_to(folder).as_posix()}\0{content}\n")
    return "sha256:" + hashlib.sha256("".join(entries).encode()).hexdigest()


def git_commit(folder: Path) -> str | None:
    try:
        done = subprocess.run(
            ["git", "-C", str(folder), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def submitted_at(root: Path, folders: dict[str, str]) -> dict[str, dt.datetime]:
    """Per exercise, when its folder was last committed (the committer date of the newest
    commit touching it, else of HEAD): lateness is judged per exercise, so that finishing ex3
    late does not make ex1 late. Nothing for a folder that is not a git repository (or when git
    cannot tell)."""
    if not (root / ".git").exists():
        return {}
    found: dict[str, dt.datetime] = {}
    try:
        head = _committed(root)
        for exercise_id, folder in folders.items():
            when = _committed(root, folder)
            if when or head:
                found[exercise_id] = dt.datetime.fromisoformat(when or head)
    except (OSError, subprocess.SubprocessError, ValueError):
        return {}
    return found


def _committed(root: Path, *paths: str) -> str:
    """The committer date (ISO) of the newest commit touching `paths` (of HEAD without)."""
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_ASKPASS": "true", "LC_ALL": "C"}
    command = ["git", "-C", str(root), "log", "-1", "--format=%cI", "HEAD"]
    done = subprocess.run(
        [*command, *(["--", *paths] if paths else [])],
        capture_output=True,
        text=True,
        timeout=GIT_TIMEOUT,
        env=env,
        check=True,
    )
    return done.stdout.strip()


def environment(client: Any | None) -> dict[str, str]:
    found = {"python": platform.python_version(), "platform": platform.platform()}
    if client is not None:
        try:
            found["docker_engine"] = str(client.version().get("Version", "?"))
        except Exception:
            found["docker_engine"] = "?"
    return found
