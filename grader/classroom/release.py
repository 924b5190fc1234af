"""`grader release`: show a course's hidden checks before their date.

It writes the exercises into the course file's `released:` list, touching that one line and
nothing else of the teacher's file (comments and layout stay). Students' reports show the
released checks from their next `grader check` that reads this course file.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from grader.model import course as courses
from grader.model.course_error import CourseError

_KEY = re.compile(r"^released\s*:")


def release(path: Path, ids: Sequence[str]) -> list[str]:
    """Add `ids` (or `all`) to the course's `released:`; returns the list now released.
    Raises CourseError when the file is not a usable course or an id is not the course's."""
    found = courses.load(path)
    unknown = [i for i in ids if i != "all" and i not in found.ids()]
    if unknown:
        names = ", ".join(map(repr, unknown))
        raise CourseError(
            path,
            [
                f"release: {names} is not an exercise of the course "
                f"(its exercises: {', '.join(found.ids())})"
            ],
        )
    released = list(dict.fromkeys([*found.released, *ids]))
    text = path.read_text(encoding="utf-8")
    path.write_text(_with_released(text, released), encoding="utf-8")
    courses.load(path)  # what was written is still a valid course
    return released


def _with_released(text: str, released: list[str]) -> str:
    """`text` with its top-level `released:` entry (one line, or a block list) replaced by a
    one-line list, or that line added at the end."""
    line = f"released: [{', '.join(released)}]"
    lines = text.splitlines()
    start = next((k for k, row in enumerate(lines) if _KEY.match(row)), None)
    if start is None:
        return text + ("" if text.endswith("\n") or not text else "\n") + line + "\n"
    end = start + 1
    while end < len(lines) and (lines[end].startswith((" ", "\t", "-")) or not lines[end].strip()):
        end += 1
    while end > start + 1 and not lines[end - 1].strip():  # blank lines stay
        end -= 1
    return "\n".join([*lines[:start], line, *lines[end:]]) + "\n"
