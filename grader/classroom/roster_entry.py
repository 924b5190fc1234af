"""A roster's entry: who a student is and where their work is; shared by every roster source
(a folder, a CSV file, a GitLab group), which import it from here and not from each other."""

from __future__ import annotations

import re
from dataclasses import dataclass


class RosterError(Exception):
    """The roster cannot be read: said in one line, for the teacher."""


@dataclass(frozen=True)
class Entry:
    student: str  # unique, safe as a file name
    name: str
    source: str  # a local folder or a git URL


def safe_id(text: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9._@-]+", "_", text.strip()).strip("._")
    return cleaned or "student"
