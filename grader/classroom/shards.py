"""Whether the journals given to `grader merge` hold a whole class: every shard of the same
sharding present, and every batch run in them finished.

Each batch run writes a `started` mark (its shard i/n, its students) and, once every student
is recorded, a `finished` one (`grader.classroom.batch.run`); an empty shard writes both. So
the shard count n is learnt from the journals themselves, a shard with no journal was lost (its
job failed, or its artifacts were not passed on), and a journal whose last mark is `started`
belongs to a run that was killed or crashed. A journal written before marks is taken as
complete, as it always was; its file name (`journal.shard-2-of-4.jsonl`) still says its shard.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from grader.classroom import journal

_SHARD_NAME = re.compile(r"journal\.shard-(\d+)-of-(\d+)\.jsonl")


@dataclass
class Completeness:
    total: int | None = None  # the shard count n, when the journals are shards
    problems: list[str] = field(default_factory=list)  # shards missing or unfinished
    conflict: str | None = None  # journals of different shardings: nothing can be merged

    @property
    def complete(self) -> bool:
        return not self.problems and self.conflict is None


def check(paths: list[Path]) -> Completeness:
    """What is missing from the journals at `paths` (`journal.journals(sources)`)."""
    found = Completeness()
    shards: dict[Path, tuple[int, int]] = {}
    marked = False  # older graders wrote no journal for an empty shard: no missing one then
    for path in paths:
        marks = journal.read_marks(path)
        shard = _shard(path, marks)
        if shard is not None:
            shards[path] = shard
            marked = marked or bool(marks)
        found.problems += _unfinished(path, shard, marks)
    totals = sorted({n for _, n in shards.values()})
    if len(totals) > 1:
        ordered = sorted(shards.items(), key=lambda item: (item[1][1], item[1][0], item[0]))
        listed = ", ".join(f"{p.name} ({i}/{n})" for p, (i, n) in ordered)
        found.conflict = (
            f"journals of different shard counts: {listed}; merge the shards "
            "of one pipeline (one `parallel:` count) together"
        )
        return found
    if not totals:
        return found
    found.total = total = totals[0]
    if marked:
        present = {i for i, _ in shards.values()}
        found.problems[:0] = [
            f"shard {i}/{total} missing (no {journal.file_name((i, total))}): its job failed "
            "or its artifacts were not passed"
            for i in range(1, total + 1)
            if i not in present
        ]
    return found


def _shard(path: Path, marks: list[journal.Mark]) -> tuple[int, int] | None:
    """The shard a journal holds: its marks say so, else (older journals) its file name."""
    for mark in marks:
        if mark.mark == "started" and mark.shard is not None:
            return mark.shard
    named = _SHARD_NAME.fullmatch(path.name)
    return (int(named[1]), int(named[2])) if named else None


def _unfinished(path: Path, shard: tuple[int, int] | None, marks: list[journal.Mark]) -> list[str]:
    """Why the journal at `path` is not whole: its last run started and never finished, or it
    is the journal of a merge that was itself incomplete."""
    problems = [
        f"{path} was merged incomplete: {p}"
        for m in marks
        if m.mark == "merged"
        for p in m.incomplete
    ]
    runs = [m for m in marks if m.mark in ("started", "finished")]
    if not runs or runs[-1].mark == "finished":
        return problems
    started = runs[-1]
    recorded = {r.student for r in _since(path, started)}
    left = [s for s in started.students if s not in recorded]
    what = f"shard {shard[0]}/{shard[1]}" if shard else "the batch"
    detail = f"{len(started.students) - len(left)} of {len(started.students)} student(s) recorded"
    if left:
        detail += f", not recorded: {', '.join(left)}"
    return [
        *problems,
        f"{what} did not finish ({path.name}: started {started.at}, {detail}): "
        "its job was killed or crashed; run it again with --resume",
    ]


def _since(path: Path, started: journal.Mark) -> list[journal.Record]:
    """The records written after the mark `started` in the journal at `path`."""
    lines = journal.read_lines(path)
    after = max(i for i, line in enumerate(lines) if line == started)
    return [line for line in lines[after:] if isinstance(line, journal.Record)]
