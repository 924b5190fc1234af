"""Helpers for check authors: assertions shared by several exercises."""

from __future__ import annotations

from pathlib import Path

from grader.hints import Hint, hint
from grader.submission import Submission


def missing_file_hint(submission: Submission, names: tuple[str, ...], key: str) -> Hint | None:
    """Why none of `names` is in the submission, or None when one of them is."""
    if not submission.exists:
        return hint("common.no_submission", folder=submission.source)
    if any(submission.file(n) for n in names):
        return None
    present = {p.name.lower(): p.name for p in submission.folder.iterdir()}
    for name in names:
        if name.lower() in present:
            return hint("common.wrong_case", found=present[name.lower()], expected=name)
        if name in submission.skipped:
            reason = hint(f"common.reason_{submission.skipped[name]}")
            return hint("common.file_skipped", file=name, reason=reason)
    return hint(key, file=names[0], folder=submission.source)


def assert_present(submission: Submission, *names: str, key: str) -> Path:
    __tracebackhide__ = True
    problem = missing_file_hint(submission, names, key)
    assert problem is None, problem
    found = next(submission.file(n) for n in names if submission.file(n))
    assert found is not None
    return found
