"""Where a report comes from: a digest of the graded files, the commit, the environment."""

from __future__ import annotations

import hashlib
import os
import platform
import subprocess
from pathlib import Path
from typing import Any


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


def environment(client: Any | None) -> dict[str, str]:
    found = {"python": platform.python_version(), "platform": platform.platform()}
    if client is not None:
        try:
            found["docker_engine"] = str(client.version().get("Version", "?"))
        except Exception:
            found["docker_engine"] = "?"
    return found
