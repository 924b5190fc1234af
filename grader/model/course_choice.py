"""Which course a command runs under, read once with its catalogue: the file named
(`--course`, `$GRADER_COURSE`), else — for the teacher's commands, run in the course's
repository — ./course.yaml; and the catalogue with its packs, checked against it."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from grader.model import course as courses
from grader.model.catalogue import Catalogue, packs
from grader.model.course import Course
from grader.model.course_error import CourseError


def catalogue_and_course(
    named: str | None = None, *, pack_folders: Sequence[Path] = (), discover: bool = True
) -> tuple[Catalogue, Course | None]:
    """The catalogue (ours, the teacher's packs) and the course, if any; raises CourseError
    when the file is bad or names exercises the catalogue does not hold. Without a course,
    every default holds as before. `check` runs in a student's repository (`discover` off): a
    course.yaml found there is the student's, not the course's, and is never read unless
    named; and there the course file may come alone (the job fetched it): pack folders not
    there are left out (the job installs the packs, found by their entry point)."""
    named = named or os.environ.get("GRADER_COURSE") or None
    path = Path(named) if named else (courses.find(Path.cwd()) if discover else None)
    if path is None:
        return Catalogue.load(packs=packs(pack_folders)), None
    found = courses.load(path, with_packs=discover)
    catalogue = Catalogue.load(packs=packs([*pack_folders, *found.packs]))
    unknown = found.unknown(catalogue.ids())
    if unknown:
        raise CourseError(
            path,
            [
                f"exercises: unknown exercise id(s) {', '.join(unknown)} "
                f"(known: {', '.join(catalogue.ids())})"
            ],
        )
    problems = found.unknown_checks(lambda i: catalogue.get(i).check_names())
    if problems:
        raise CourseError(path, problems)
    return catalogue, found
