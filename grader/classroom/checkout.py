"""Get a student's work onto disk, at the commit to grade.

A local folder is graded where it is (the grader snapshots what it reads), unless a deadline
asks for an older commit: then, as for a git URL, the repository is cloned into the batch's
work folder. With a deadline, the commit graded is the last one the student committed before
it, and the commits after it are counted so that the gradebook can show them.

Commit dates are written by the student's own git: they say when the work was *committed*, not
when it was pushed. For a deadline that must hold against a student who back-dates commits,
grade at the deadline (a scheduled pipeline) rather than afterwards.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from grader.classroom.roster import is_url
from grader.classroom.roster_entry import Entry

GIT_TIMEOUT = 180


class CheckoutError(Exception):
    """The work could not be fetched: said in one line."""


@dataclass
class Late:
    deadline: str
    commits_after: int  # commits made after the deadline (not graded)
    last_commit_at: str | None  # the newest commit's date

    def describe(self) -> str:
        if not self.commits_after:
            return "on time"
        return f"{self.commits_after} commit(s) after the deadline (last {self.last_commit_at})"


@dataclass
class Checkout:
    root: Path
    commit: str | None = None
    late: Late | None = None


def fetch(
    entry: Entry, *, work: Path, deadline: dt.datetime | None = None, auth_header: str | None = None
) -> Checkout:
    """The folder to grade for `entry`; raises CheckoutError with a short reason."""
    local = None if is_url(entry.source) else Path(entry.source)
    if local is not None:
        if not local.is_dir():
            raise CheckoutError(f"{entry.source}: no such folder")
        if deadline is None or not (local / ".git").exists():
            if deadline is not None:
                raise CheckoutError(
                    f"{entry.source}: not a git repository, so no commit "
                    "can be picked at the deadline"
                )
            return Checkout(root=local)
    target = work / entry.student
    shutil.rmtree(target, ignore_errors=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    options = ["-c", f"http.extraHeader={auth_header}"] if auth_header else []
    _git(*options, "clone", "--quiet", "--no-hardlinks", "--", entry.source, str(target))
    if deadline is None:
        return Checkout(root=target, commit=_git("-C", str(target), "rev-parse", "HEAD"))
    return _at_deadline(target, deadline)


def _at_deadline(repo: Path, deadline: dt.datetime) -> Checkout:
    when = deadline.isoformat()
    commit = _git("-C", str(repo), "rev-list", "-n", "1", f"--before={when}", "HEAD")
    after = _git("-C", str(repo), "rev-list", "--count", f"--since={when}", "HEAD")
    last = _git("-C", str(repo), "log", "-1", "--format=%cI", "HEAD")
    if not commit:
        raise CheckoutError(f"no commit before the deadline {when} (first one: {last})")
    _git("-C", str(repo), "checkout", "--quiet", "--detach", commit)
    return Checkout(root=repo, commit=commit, late=Late(when, int(after or 0), last or None))


def _git(*args: str) -> str:
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_ASKPASS": "true", "LC_ALL": "C"}
    try:
        done = subprocess.run(
            ["git", *args], capture_output=True, text=True, timeout=GIT_TIMEOUT, env=env
        )
    except subprocess.TimeoutExpired as error:
        raise CheckoutError(f"git {_verb(args)}: timed out after {GIT_TIMEOUT} s") from error
    except OSError as error:
        raise CheckoutError(f"git is not installed ({error})") from error
    if done.returncode != 0:
        message = (done.stderr.strip().splitlines() or ["failed"])[-1]
        raise CheckoutError(f"git {_verb(args)}: {message}")
    return done.stdout.strip()


def _verb(args: tuple[str, ...]) -> str:
    return next((a for a in args if a in ("clone", "rev-list", "log", "checkout", "rev-parse")), "")


def parse_deadline(text: str) -> dt.datetime:
    """`2026-12-01T23:59` (local time unless an offset is given) → an aware datetime."""
    value = dt.datetime.fromisoformat(text)
    return value if value.tzinfo else value.astimezone()
