"""The interface's own texts (the command line, the reports, the dashboard), in French and
English, from the one message catalogue (`grader/messages.yaml`, keys `cli.*`, `report.*`,
`dashboard.*`) that also holds the hints."""

from __future__ import annotations

import functools
from pathlib import Path

from grader.model.hints import Messages
from grader.paths import messages_file

GROUPS = ("cli", "report", "dashboard")


def texts(group: str, lang: str) -> dict[str, str]:
    """Every text of `group` in `lang`, by its name (`report.passed` → `passed`)."""
    messages = _catalogue(messages_file())
    prefix = f"common.{group}."
    names = [key for key in messages.keys() if key.startswith(prefix)]  # noqa: SIM118 (not a dict)
    return {key.removeprefix(prefix): messages.text(key, lang) or "" for key in names}


@functools.cache
def _catalogue(path: Path) -> Messages:
    """Read once per process: a batch renders four reports per student, and reading the
    catalogue took 9 ms each time (the interface's texts were Python dicts before)."""
    return Messages.load([("common", path)])
