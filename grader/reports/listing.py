"""The catalogue as `grader list` shows it: one line per exercise (points, needs, modes, the
pack it comes from), its checks with `--checks`, and the exercises a pack refused."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from grader.model.catalogue import BUILT_IN, Catalogue
from grader.model.status import CannotGrade
from grader.model.texts import texts


def lines(catalogue: Catalogue, ids: Sequence[str], *, lang: str, checks: bool) -> Iterator[str]:
    """The listing of `ids` (every exercise when none); raises CannotGrade for an unknown id."""
    unknown = [i for i in ids if i not in catalogue]
    if unknown:
        known = ", ".join(catalogue.ids())
        raise CannotGrade(texts("cli", lang)["unknown"].format(ids=", ".join(unknown), known=known))
    exercises = [catalogue.get(i) for i in ids] if ids else list(catalogue)
    width = max((len(e.title_in(lang)) for e in exercises), default=0) + 2
    id_width = max((len(e.id) for e in exercises), default=0) + 2
    packs = any(e.origin != BUILT_IN for e in exercises)
    for exercise in exercises:
        needs = ", ".join(exercise.needs)
        modes = " + ".join("--live" if m == "live" else m for m in exercise.modes)
        title = exercise.title_in(lang)
        origin = f"{'':3}{exercise.origin}" if packs else ""
        line = (
            f"{exercise.id:<{id_width}}{title:<{width}}{exercise.points:>4} pts   "
            f"{needs:<12}{modes:<16}{origin}"
        )
        yield line.rstrip()
        if checks:
            titles = exercise.check_titles(lang)
            name_width = max((len(n) for n in titles), default=0) + 2
            for name, check_title in titles.items():
                yield f"    {name:<{name_width}}{check_title}"
    for name, why in catalogue.refused.items():
        yield f"{name:<{id_width}}REFUSED: {why}"
