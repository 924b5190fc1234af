"""What a student's `grader check` grades: the exercises asked for (or every one of the course,
or of the catalogue), in which mode, and which are not started; refused in the student's
language when one is unknown, refused by its pack, or not gradable in that mode."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from grader.grading.runner import EngineUnavailable, grade
from grader.grading.session import ClusterChoice
from grader.grading.started import triage
from grader.model.catalogue import Catalogue, Exercise
from grader.model.course import Course
from grader.model.course_policy import CoursePolicy
from grader.model.results import Report
from grader.model.status import CannotGrade
from grader.model.texts import texts


@dataclass
class Selection:
    exercises: list[Exercise]
    mode: str  # "files" or "live"
    not_started: dict[str, str | None] = field(default_factory=dict)  # grading.started.triage


def select(
    catalogue: Catalogue,
    course: Course | None,
    ids: Sequence[str],
    *,
    every: bool,
    live: bool,
    lang: str,
) -> tuple[list[Exercise], str]:
    """The exercises to grade and the mode; raises CannotGrade with what to say."""
    text = texts("cli", lang)
    wanted = (course.ids() if course else catalogue.ids()) if every else list(dict.fromkeys(ids))
    refused = [i for i in wanted if i in catalogue.refused]
    if refused:
        lines = [f"grader: {name} is refused: {catalogue.refused[name]}" for name in refused]
        raise CannotGrade("\n".join(lines))
    unknown = [i for i in wanted if i not in catalogue]
    if not wanted or unknown:
        message = text["unknown"] if unknown else text["none"]
        raise CannotGrade(message.format(ids=", ".join(unknown), known=", ".join(catalogue.ids())))
    exercises = [catalogue.get(i) for i in wanted]
    mode = mode_of(exercises, live=live, every=every)
    if every:  # every exercise that can be graded in that mode
        exercises = [e for e in exercises if mode in e.modes]
    wrong = [e.id for e in exercises if mode not in e.modes]
    if wrong:
        raise CannotGrade(text["wrong_mode_" + mode].format(ids=", ".join(wrong)))
    return exercises, mode


def choose(
    catalogue: Catalogue,
    course: Course | None,
    ids: Sequence[str],
    *,
    root: Path,
    policy: CoursePolicy,
    every: bool,
    live: bool,
    lang: str,
) -> Selection:
    """`select`, then which of them are not started in `root` (files mode only)."""
    exercises, mode = select(catalogue, course, ids, every=every, live=live, lang=lang)
    if mode == "live":
        return Selection(exercises, mode)
    deadlines = dict(policy.deadlines)
    return Selection(exercises, mode, triage(exercises, root, named=not every, deadlines=deadlines))


def require_folder(root: Path, lang: str) -> None:
    """A student's folder that is not there is said, never graded as an empty submission."""
    if not root.is_dir():
        raise CannotGrade(texts("cli", lang)["no_path"].format(path=root))


def check(
    selection: Selection,
    *,
    root: Path,
    lang: str,
    catalogue: Catalogue,
    policy: CoursePolicy,
    cluster: ClusterChoice,
    jobs: int = 1,
    debug: bool = False,
) -> Report:
    """A student's grading of `selection` under the course's `policy`, the report complete;
    raises CannotGrade when the engine is needed and absent."""
    counted = len(selection.exercises) - len(selection.not_started)
    try:
        return grade(
            selection.exercises,
            root=root,
            lang=lang,
            mode=selection.mode,
            catalogue=catalogue,
            debug=debug,
            cluster=cluster,
            policy=policy,
            jobs=jobs,
            progress=progress(counted) if jobs > 1 else None,
            not_started=selection.not_started,
        )
    except EngineUnavailable as error:
        raise CannotGrade(texts("cli", lang)["no_engine"].format(error=error)) from error


def mode_of(exercises: list[Exercise], *, live: bool, every: bool) -> str:
    """`--live` grades the running engine; exercises that only exist live are graded live."""
    if live or (not every and all("files" not in e.modes for e in exercises)):
        return "live"
    return "files"


def progress(total: int) -> Callable[[str, float], None]:
    """`[3/9] ex3 (12 s)` on stderr as each exercise of a parallel `check` ends."""
    done: list[str] = []
    lock = threading.Lock()

    def said(exercise_id: str, seconds: float) -> None:
        with lock:
            done.append(exercise_id)
            print(f"[{len(done)}/{total}] {exercise_id} ({seconds:.0f} s)", file=sys.stderr)

    return said
