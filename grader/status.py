"""Exit statuses of the `grader` command, each with a name."""

from __future__ import annotations

from enum import IntEnum


class ExitStatus(IntEnum):
    SUCCESS = 0  # every check passed
    CHECKS_FAILED = 1  # at least one check failed or could not be attempted
    CANNOT_GRADE = 2  # grading could not run (no engine, unknown exercise, bad option)
    INTERRUPTED = 130  # Ctrl-C
