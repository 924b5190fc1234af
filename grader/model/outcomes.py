"""What a check can end with besides passing or failing an assertion."""

from __future__ import annotations

import pytest

from grader.model.hints import Hint


class NotAttempted(pytest.skip.Exception):  # type: ignore[misc,name-defined]
    """A prerequisite failed (the image does not build, ...): the check cannot be attempted."""

    def __init__(self, reason: Hint) -> None:
        super().__init__(msg=reason.key)
        self.reason = reason


class CheckTimeout(Exception):
    """A check ran past its wall-clock budget; it fails, and the grading run goes on."""

    def __init__(self, seconds: int) -> None:
        super().__init__(f"timed out after {seconds} s")
        self.seconds = seconds
