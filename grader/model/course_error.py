"""The one error a course file gives (kept apart from `grader.model.course`, so that every
command can say it without loading the course machinery)."""

from __future__ import annotations

from pathlib import Path


class CourseError(Exception):
    """A course file that cannot be used; `problems` holds one line per bad field."""

    def __init__(self, path: Path, problems: list[str]) -> None:
        self.path, self.problems = path, problems
        super().__init__("\n".join(f"{path}: {p}" for p in problems))
