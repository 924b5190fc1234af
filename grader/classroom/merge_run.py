"""`grader merge`: the shards' journals into one class, refused (nothing written) when a
folder, a journal or a shard is missing — unless the teacher allows an incomplete class, then
written and marked so; with `previous`, what changed since that class."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from grader.classroom import changes, journal, shards
from grader.classroom import gradebook as classroom
from grader.model.catalogue import Catalogue
from grader.model.status import CannotGrade
from grader.model.texts import texts


def refusal(
    sources: Sequence[Path],
    previous: Path | None,
    found: shards.Completeness,
    *,
    allow_incomplete: bool,
) -> str | None:
    """Why `grader merge` writes nothing: a folder missing, no journal, journals of different
    shard counts, a class incomplete without `allow_incomplete`, or no journal in `previous`."""
    folders = [*sources, *([previous] if previous else [])]
    missing = [str(s) for s in folders if not s.is_dir()]
    if missing:
        return f"no such folder: {', '.join(missing)}"
    if not journal.journals(sources) or found.conflict:
        return found.conflict or "no journal found (journal*.jsonl)"
    if found.problems and not allow_incomplete:
        problems = "".join(f"\n  - {p}" for p in found.problems)
        return (
            f"the class is incomplete, nothing written:{problems}\nRun those shards again "
            "(on GitLab: retry their jobs, then this one), or add --allow-incomplete to "
            "write what is there, marked incomplete."
        )
    if previous and not journal.journals([previous]):
        return (
            f"--previous {previous} holds no journal (journal*.jsonl) to compare "
            "with: give a batch or class folder written by this grader"
        )
    return None


def merge(
    sources: list[Path],
    out_folder: Path,
    catalogue: Catalogue,
    *,
    previous: Path | None,
    allow_incomplete: bool,
    lang: str,
    out: TextIO,
) -> list[str]:
    """Merge, say so on `out` (with what changed since `previous`) and write the gradebook;
    returns what makes the class incomplete ([]: whole). Raises CannotGrade, nothing written."""
    found = shards.check(journal.journals(sources))
    refused = refusal(sources, previous, found, allow_incomplete=allow_incomplete)
    if refused:
        raise CannotGrade(f"grader merge: {refused}")
    before = journal.load([previous]) if previous else None
    records = classroom.merge(sources, out_folder, incomplete=found.problems)
    shown = f" from {found.total} shards" if found.total else ""
    print(f"{len(records)} students merged{shown}", file=out)
    labels = {"before_label": str(previous), "after_label": str(out_folder)}
    since = changes.shown(before, records, out=out, **labels)
    history = journal.history(journal.load_all(sources))
    extras = classroom.Extras(history, found.problems, since)
    for path in classroom.write(out_folder, records, catalogue, lang, extras=extras):
        print(texts("cli", lang)["written"].format(path=path), file=out)
    return list(found.problems)
