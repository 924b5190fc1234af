"""`grader batch` from the teacher's request to the gradebook: which exercises, whether the
output folder may take this batch (new, resumed or regraded), the roster and its shard, the
grading (`grader.classroom.batch`), what a regrade changed, and the gradebook written."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from grader.classroom import batch, changes, journal, roster
from grader.classroom import gradebook as classroom
from grader.classroom.gitlab_roster import auth_header
from grader.classroom.roster_entry import Entry, RosterError
from grader.containers.engine import connect
from grader.containers.unavailable import EngineUnavailable
from grader.grading.session import ClusterChoice
from grader.model.catalogue import Catalogue, Exercise
from grader.model.course import Course
from grader.model.course_policy import CoursePolicy
from grader.model.status import CannotGrade
from grader.model.texts import texts

REGRADE_ALL = "all"  # `grader batch --regrade all`: every student of the roster (or shard)


@dataclass
class BatchRequest:
    """What the teacher asked for (`grader batch`'s options)."""

    roster: str
    out: Path
    exercises: str | None = None  # `ex1,ex2`; None: the course's, or --all
    every: bool = False
    resume: bool = False
    regrade: Sequence[str] = ()
    shard: tuple[int, int] | None = None
    jobs: int = 1
    lang: str = "fr"
    deadline: dt.datetime | None = None
    strict: bool = False
    cluster: ClusterChoice = field(default_factory=ClusterChoice)


def exercises(
    catalogue: Catalogue, course: Course | None, listed: str | None, *, every: bool
) -> list[Exercise]:
    """The exercises a batch grades: those listed, every one (`every`), else the course's that
    a batch can grade; raises CannotGrade for none, an unknown one or one graded live only."""
    ids = [i.strip() for i in (listed or "").split(",") if i.strip()]
    if every:
        ids = [e.id for e in catalogue if "files" in e.modes]
    elif not ids and course is not None:  # the course's, those a batch can grade
        ids = [i for i in course.ids() if "files" in catalogue.get(i).modes]
    unknown = [i for i in ids if i not in catalogue]
    live_only = [i for i in ids if i in catalogue and "files" not in catalogue.get(i).modes]
    if unknown:
        raise CannotGrade(f"grader batch: unknown exercise(s) {', '.join(unknown)}")
    if live_only:
        why = "can only be graded live, on the student's machine"
        raise CannotGrade(f"grader batch: {', '.join(live_only)} {why}")
    if not ids:
        raise CannotGrade("grader batch: no exercise: --exercises ex1,ex2 or --all")
    return [catalogue.get(i) for i in ids]


def check_folder(request: BatchRequest) -> None:
    """A regrade needs the batch in `out`; a new batch needs `out` free of one (or --resume)."""
    path = request.out / journal.file_name(request.shard)
    if request.regrade and not path.exists():
        raise CannotGrade(
            f"grader batch: --regrade grades students again in an existing batch, and "
            f"{request.out} holds none ({path.name})"
        )
    if path.exists() and not request.resume and not request.regrade:
        raise CannotGrade(
            f"grader batch: {request.out} already holds this batch ({path.name}): add "
            "--resume to go on with it, or choose another --out"
        )


def students(request: BatchRequest, graded: list[Exercise]) -> tuple[list[Entry], list[str]]:
    """The roster's entries (this shard's) and who to regrade; raises CannotGrade for a bad
    roster, no engine where one is needed, or a regrade naming a stranger."""
    try:
        entries = roster.load(request.roster)
    except RosterError as error:
        raise CannotGrade(f"grader batch: {error}") from error
    if any("docker" in e.needs for e in graded):
        try:
            connect()
        except EngineUnavailable as error:
            raise CannotGrade(
                texts("cli", request.lang)["no_engine"].format(error=error)
            ) from error
    strangers = sorted(set(request.regrade) - {e.student for e in entries} - {REGRADE_ALL})
    if strangers:
        raise CannotGrade(f"grader batch: --regrade {', '.join(strangers)}: not in the roster")
    if request.shard:
        entries = roster.shard(entries, *request.shard)
    regrade = list(request.regrade)
    if REGRADE_ALL in regrade:
        regrade = [e.student for e in entries]
    return entries, regrade


def run(
    request: BatchRequest, catalogue: Catalogue, course: Course | None, *, out: TextIO
) -> list[journal.Record]:
    """Grade the class as asked, under the course's policy; says on `out` how many are to be
    graded, what a regrade changed and the files written; returns the records graded."""
    graded = exercises(catalogue, course, request.exercises, every=request.every)
    check_folder(request)
    entries, regrade = students(request, graded)
    done = journal.done(request.out) if request.resume else set()
    before = journal.load([request.out]) if regrade else None
    todo = batch.pending(entries, done, regrade, resume=request.resume or not regrade)
    print(
        f"{len(entries)} students, {len(entries) - len(todo)} already graded, "
        f"{len(todo)} to grade with {request.jobs} worker(s)",
        file=out,
    )
    options = batch.BatchOptions(
        exercises=graded,
        out=request.out,
        jobs=request.jobs,
        lang=request.lang,
        deadline=request.deadline,
        shard=request.shard,
        auth_header=auth_header() if request.roster.startswith(roster.GITLAB_SCHEME) else None,
        cluster=request.cluster,
        policy=CoursePolicy.of(course, strict=request.strict),
    )
    progress = batch.Progress(len(todo), stream=sys.stderr)
    records = batch.run(todo, options, catalogue, progress=progress)
    every = journal.load_all([request.out])
    after = journal.latest(every)
    labels = {"before_label": "before this regrade", "after_label": str(request.out)}
    regraded = changes.shown(before, after, out=out, **labels)
    extras = classroom.Extras(journal.history(every), changes=regraded)
    for path in classroom.write(request.out, after, catalogue, request.lang, extras=extras):
        print(texts("cli", request.lang)["written"].format(path=path), file=out)
    return records
