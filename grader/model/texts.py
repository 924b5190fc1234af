"""The interface's own texts (the command line, the reports, the dashboard), in French and
English, from the one message catalogue (`grader/messages.yaml`, keys `cli.*`, `report.*`,
`dashboard.*`) that also holds the hints."""

from __future__ import annotations

from grader.model.hints import Messages
from grader.paths import messages_file

GROUPS = ("cli", "report", "dashboard")


def texts(group: str, lang: str) -> dict[str, str]:
    """Every text of `group` in `lang`, by its name (`report.passed` → `passed`)."""
    messages = Messages.load([("common", messages_file())])
    prefix = f"common.{group}."
    names = [key for key in messages.keys() if key.startswith(prefix)]  # noqa: SIM118 (not a dict)
    return {key.removeprefix(prefix): messages.text(key, lang) or "" for key in names}
