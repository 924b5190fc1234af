"""Whether a student has started an exercise, and what `grader init` writes (which never scores).

The rule: an exercise is *not started* when its submission folder is missing or holds only
files the scaffold wrote, unchanged — today's (`ENONCE.md`, the statement; `A-FAIRE.txt`, a
note) or an older grader's (the statement as `README.md`, the note that pointed to it). A
not-started exercise is not graded at all (nothing is built or started): its report is one
line, its points at stake and none earned. It fails nothing while the student may still do
it; it is *due*, not validated, when the student named it (`grader check ex4`) or when the
course's deadline for it has passed (as the teacher's batch counts it).

Whatever the exercise, the scaffold's files are never an answer: the snapshot leaves out
`ENONCE.md` and `A-FAIRE.txt`, and a `README.md` that is the statement word for word (ex2 and
ex16 read commands from a README: the statement's example would have scored).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from grader.model.catalogue import Exercise
from grader.model.results import ExerciseResult

STATEMENT = "ENONCE.md"  # the exercise's statement, a copy of the catalogue's README.md
NOTE = "A-FAIRE.txt"  # where the files go, and the command that grades them
OLD_STATEMENT = "README.md"  # where grader init put the statement before
NEVER_ANSWERS = (STATEMENT, NOTE)
Versions = dict[str, tuple[bytes, ...]]  # file name → every text a grader init wrote there

PLACEHOLDER = """\
Vos fichiers pour {id} vont ici (l'énoncé : ENONCE.md), puis :

    grader check {id}

Your files for {id} go here (the statement: ENONCE.md), then run `grader check {id}`.
"""
LIVE_NOTE = """\
Rien à pousser pour {id} : il se corrige sur votre Docker, avec `grader check {id} --live`.
Nothing to push for {id}: it is graded on your Docker with `grader check {id} --live`.
"""
# The notes an older grader init wrote, recognised in the repositories it scaffolded.
OLD_NOTES = (
    """\
Vos fichiers pour {id} vont ici (voir README.md), puis :

    grader check {id}

Your files for {id} go here (see README.md), then run `grader check {id}`.
""",
)


def scaffold(exercise: Exercise) -> dict[str, str]:
    """What `grader init` writes in the exercise's folder: file name → text."""
    note = LIVE_NOTE if "files" not in exercise.modes else PLACEHOLDER
    statement = _statement(exercise)
    return {**({STATEMENT: statement} if statement else {}), NOTE: note.format(id=exercise.id)}


def unchanged(exercise: Exercise, name: str, path: Path, versions: Versions | None = None) -> bool:
    """`name`, at the top of the exercise's folder, is a file a grader init wrote (today or
    before), byte for byte (line endings aside). `versions`: `_versions(exercise)`, when the
    caller asks about several files."""
    known = (versions if versions is not None else _versions(exercise)).get(name, ())
    if not known or not path.is_file() or path.is_symlink():
        return False
    try:
        content = path.read_bytes().replace(b"\r\n", b"\n")
    except OSError:
        return False
    return content in known


def never_an_answer(exercise: Exercise, name: str, path: Path) -> bool:
    """What a snapshot leaves out: the scaffold's own files, and the statement as README.md."""
    return name in NEVER_ANSWERS or (name == OLD_STATEMENT and unchanged(exercise, name, path))


def started(exercise: Exercise, folder: Path) -> bool:
    """The folder holds something the scaffold did not write (empty folders aside)."""
    if not folder.is_dir():
        return False
    versions = _versions(exercise)  # the statement read once, not once per file
    for here, _folders, files in os.walk(folder):
        for name in files:
            path = Path(here) / name
            if Path(here) != folder or not unchanged(exercise, name, path, versions):
                return True
    return False


def triage(
    exercises: Sequence[Exercise],
    root: Path,
    *,
    named: bool,
    deadlines: Mapping[str, dt.datetime],
    now: dt.datetime | None = None,
) -> dict[str, str | None]:
    """The exercises not started, each with why it is due (`asked`: named on the command
    line; `late`: its deadline passed), or None when it fails nothing yet."""
    moment = now or dt.datetime.now(dt.UTC)
    found: dict[str, str | None] = {}
    for exercise in exercises:
        if started(exercise, root / exercise.submission):
            continue
        deadline = deadlines.get(exercise.id)
        late = deadline is not None and moment > deadline
        found[exercise.id] = "asked" if named else "late" if late else None
    return found


def result(
    exercise: Exercise, *, root: Path, lang: str, mode: str, due: str | None
) -> ExerciseResult:
    """A not-started exercise's result: no check ran, its points at stake, none earned."""
    return ExerciseResult(
        id=exercise.id,
        title=exercise.title_in(lang),
        version=exercise.version,
        submission=str(root / exercise.submission),
        declared_points=float(exercise.points_in(mode)),
        not_started=True,
        due=due,
    )


def _statement(exercise: Exercise) -> str:
    """The exercise's statement ("" for a pack's exercise that has none)."""
    try:
        return (exercise.folder / "README.md").read_text(encoding="utf-8")
    except OSError:
        return ""


def _versions(exercise: Exercise) -> Versions:
    statement = _statement(exercise).encode()
    notes = [scaffold(exercise)[NOTE], *(n.format(id=exercise.id) for n in OLD_NOTES)]
    statements = (statement,) if statement else ()
    return {
        STATEMENT: statements,
        OLD_STATEMENT: statements,
        NOTE: tuple(n.encode() for n in notes),
    }
