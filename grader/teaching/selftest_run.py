"""`grader selftest` over the library: the exercises named (ids of the catalogue, or pack
folders), each case copied alone into a fresh repository and graded there, judged by
`grader.teaching.selftest`."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from grader.grading.runner import EngineUnavailable, grade
from grader.grading.session import ClusterChoice
from grader.model.catalogue import Catalogue, Exercise, Pack
from grader.model.results import ExerciseResult
from grader.model.status import CannotGrade
from grader.model.texts import texts
from grader.teaching import selftest


def chosen(targets: Sequence[str], packs: Sequence[Pack]) -> tuple[Catalogue, list[Exercise]]:
    """The catalogue with the pack folders among `targets`, and the exercises they name (every
    one when none); raises CannotGrade for an unknown id."""
    folders = [Path(t) for t in targets if Path(t).is_dir()]
    catalogue = Catalogue.load(packs=[*packs, *(Pack(f.resolve().name, f) for f in folders)])
    wanted = [t for t in targets if not Path(t).is_dir()]
    unknown = [i for i in wanted if i not in catalogue]
    if unknown:
        raise CannotGrade(f"grader selftest: unknown exercise(s) {', '.join(unknown)}")
    named = [catalogue.get(i) for i in wanted] + [
        e for e in catalogue if any(e.folder.resolve().parent == f.resolve() for f in folders)
    ]
    return catalogue, named or list(catalogue)


def run(
    targets: Sequence[str], packs: Sequence[Pack], *, kubeconfig: str | None, out: TextIO
) -> bool:
    """Try every case of the exercises named, say how each went on `out`; True when every
    case is as expected and no pack was refused. Raises CannotGrade without an engine."""
    catalogue, exercises = chosen(targets, packs)
    for name, why in catalogue.refused.items():
        print(f"REFUSED {name}: {why}", file=out)
    for exercise in exercises:
        if "files" not in exercise.modes:
            print(
                f"skip {exercise.id}: graded on a student's engine only: run its solution/"
                f"commands.sh, then grader check {exercise.id} --live",
                file=out,
            )
    cluster = ClusterChoice(kubeconfig=kubeconfig)

    def one(exercise: Exercise, folder: Path) -> ExerciseResult:
        with tempfile.TemporaryDirectory(prefix="grader-selftest-") as tmp:
            repo = Path(tmp) / "repo"
            ignored = shutil.ignore_patterns(selftest.EXPECT)
            shutil.copytree(folder, repo / exercise.submission, symlinks=True, ignore=ignored)
            return grade([exercise], root=repo, catalogue=catalogue, cluster=cluster).exercises[0]

    graded = [e for e in exercises if "files" in e.modes]
    try:
        outcomes = selftest.run(graded, one, live_too=bool(kubeconfig))
    except EngineUnavailable as error:
        raise CannotGrade(texts("cli", "en")["no_engine"].format(error=error)) from error
    print(selftest.table(outcomes), end="", file=out)
    return not catalogue.refused and all(o.ok for o in outcomes)
