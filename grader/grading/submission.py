"""A student's submission folder, copied into a private snapshot before anything runs.

The snapshot holds only regular files (with their permission bits) and folders: symlinks
that point outside the submission, oversized files and absurdly deep trees are left out,
each with a reason that the checks can show. Builds and compose projects run from the
snapshot, so the student's own folder is never written to and a symlink can never reach the
rest of the disk.
"""

from __future__ import annotations

import os
import shutil
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_FILES = 2_000
MAX_DEPTH = 12
# Why a file was left out of the snapshot: the `common.reason_<why>` messages.
SKIP_REASONS = (
    "symlink_outside",
    "symlink_unsupported",
    "too_big",
    "not_regular",
    "too_deep",
    "too_many_files",
)


@dataclass
class Submission:
    source: Path  # the student's folder, as found
    folder: Path  # the snapshot (empty when the source does not exist)
    exists: bool
    skipped: dict[str, str] = field(default_factory=dict)  # relative path → reason key

    def file(self, name: str) -> Path | None:
        path = self.folder / name
        return path if path.is_file() else None


def snapshot(
    source: Path, dest: Path, *, leave_out: Callable[[str, Path], bool] | None = None
) -> Submission:
    """`source` copied to `dest`; `leave_out(name, path)` says which files at the top of the
    folder are not part of the answer (what `grader init` wrote: grader.grading.started)."""
    dest.mkdir(parents=True, exist_ok=True)
    if not source.is_dir():
        return Submission(source, dest, exists=False)
    submission = Submission(source, dest, exists=True)
    root = source.resolve()
    count = 0
    for dirpath, dirnames, filenames in os.walk(source):
        here = Path(dirpath)
        relative = here.relative_to(source)
        if len(relative.parts) >= MAX_DEPTH:
            submission.skipped[str(relative)] = "too_deep"
            dirnames.clear()
            continue
        for name in list(dirnames):
            if (here / name).is_symlink():
                dirnames.remove(name)
                _copy_link(here / name, root, dest / relative / name, submission, source)
            else:
                (dest / relative / name).mkdir(exist_ok=True)
        for name in filenames:
            if leave_out is not None and here == source and leave_out(name, here / name):
                continue
            count += 1
            if count > MAX_FILES:
                submission.skipped[str(relative / name)] = "too_many_files"
                continue
            _copy_file(here / name, root, dest / relative / name, submission, source)
    return submission


def _copy_file(path: Path, root: Path, target: Path, sub: Submission, source: Path) -> None:
    relative = str(path.relative_to(source))
    if path.is_symlink():
        _copy_link(path, root, target, sub, source)
    elif not path.is_file():
        sub.skipped[relative] = "not_regular"
    elif path.stat().st_size > MAX_FILE_BYTES:
        sub.skipped[relative] = "too_big"
    else:
        _copy(path, target)


def _copy_link(path: Path, root: Path, target: Path, sub: Submission, source: Path) -> None:
    relative = str(path.relative_to(source))
    resolved = path.resolve()
    if not resolved.is_relative_to(root):
        sub.skipped[relative] = "symlink_outside"
    elif resolved.is_file() and resolved.stat().st_size <= MAX_FILE_BYTES:
        _copy(resolved, target)
    else:
        sub.skipped[relative] = "symlink_unsupported"


def _copy(path: Path, target: Path) -> None:
    """Copy a file with its permission bits (a script committed executable stays so, as git
    keeps it), never its set-user-ID, set-group-ID or sticky bits."""
    shutil.copyfile(path, target)
    os.chmod(target, stat.S_IMODE(path.stat().st_mode) & 0o777)
