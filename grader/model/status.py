"""Exit statuses of the `grader` command, each with a name."""

from __future__ import annotations

from enum import IntEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from grader.model.results import Report


class ExitStatus(IntEnum):
    SUCCESS = 0  # every exercise validated and every check passed
    NOT_VALIDATED = 1  # an objective failed or could not be attempted, or a due one not started
    CANNOT_GRADE = 2  # grading could not run (no engine, unknown exercise, bad option)
    # Every exercise validated, but good-practice points were lost, or a part could not be
    # judged here (no cluster, an offline stand-in): a warning, not a failure. GitLab shows
    # it as one with `allow_failure: exit_codes: [3]`.
    WARNINGS = 3
    INTERRUPTED = 130  # Ctrl-C


def for_report(report: Report) -> ExitStatus:
    """From the exercises started (and those due: named, or past their deadline); one not
    started yet fails nothing, and with nothing started at all the status is SUCCESS."""
    if report.failed:
        return ExitStatus.NOT_VALIDATED
    if report.validated and report.successful:
        return ExitStatus.SUCCESS
    return ExitStatus.WARNINGS  # good practice lost, or an exercise that could not be judged


class CannotGrade(Exception):
    """What the library refuses to do (an unknown exercise, a folder that is not there, no
    engine), in the one line the command prints on stderr before exiting `CANNOT_GRADE`."""
