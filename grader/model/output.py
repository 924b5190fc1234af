"""How much of a command's output (a build, a container, kubectl) a report keeps."""

from __future__ import annotations

OUTPUT_CAP = 64_000  # characters


def cap(text: str, limit: int = OUTPUT_CAP) -> str:
    """The end of `text` (where the error is), at most `limit` characters."""
    if len(text) <= limit:
        return text
    return "… (début tronqué / start cut)\n" + text[-limit:]
