"""What a regrade changed, before its gradebook replaces the one the students have: per
student, the score before and after and every check whose verdict changed.

`grader batch --regrade all` compares the journal's grades before and after the run;
`grader merge --previous FOLDER` and `grader diff OLD NEW` compare two batches' folders. Each
writes `changes.json` and `changes.html` (linked from the dashboard) and prints the table.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TextIO

from grader.classroom import journal
from grader.model.status import CannotGrade
from grader.model.texts import texts
from grader.reports.report import environment

CHANGES_HTML, CHANGES_JSON = "changes.html", "changes.json"
NOT_GRADED, ABSENT = "not graded", "absent"  # a student's side without a score


@dataclass
class CheckChange:
    exercise: str
    check: str
    title: str
    before: str | None  # the check's status; None: not run on that side
    after: str | None


@dataclass
class StudentChange:
    student: str
    name: str
    before: float | None  # the final score (percent); None: absent or not graded
    after: float | None
    status_before: str  # graded, not graded, absent
    status_after: str
    checks: list[CheckChange] = field(default_factory=list)

    @property
    def delta(self) -> float | None:
        if self.before is None or self.after is None:
            return None
        return round(self.after - self.before, 2)


@dataclass
class Changes:
    before: str  # where the old grades come from (a folder, or "before this regrade")
    after: str
    students: list[StudentChange]  # those whose score, status or a check's verdict changed
    unchanged: int  # students compared and found the same

    @property
    def gains(self) -> int:
        return sum(1 for s in self.students if (s.delta or 0) > 0)

    @property
    def losses(self) -> int:
        return sum(1 for s in self.students if (s.delta or 0) < 0)

    def to_dict(self) -> dict[str, Any]:
        students = [asdict(s) | {"delta": s.delta} for s in self.students]
        return {
            "before": self.before,
            "after": self.after,
            "gains": self.gains,
            "losses": self.losses,
            "unchanged": self.unchanged,
            "students": students,
        }


def compare(
    before: dict[str, journal.Record],
    after: dict[str, journal.Record],
    *,
    before_label: str,
    after_label: str,
) -> Changes:
    """The students of `before` or `after` (newest records, `journal.latest`) whose grade
    changed: losses first (the largest first), then gains, then changes of verdict alone."""
    changed, same = [], 0
    for student in sorted(set(before) | set(after)):
        found = _student(student, before.get(student), after.get(student))
        if found is None:
            same += 1
        else:
            changed.append(found)
    changed.sort(key=lambda s: (s.delta is None, s.delta or 0.0, s.student))
    return Changes(before_label, after_label, changed, same)


def _student(
    student: str, old: journal.Record | None, new: journal.Record | None
) -> StudentChange | None:
    shown = new or old
    assert shown is not None
    found = StudentChange(
        student=student,
        name=shown.name,
        before=_score(old),
        after=_score(new),
        status_before=_status(old),
        status_after=_status(new),
        checks=_checks(old, new),
    )
    if (found.before, found.status_before) == (found.after, found.status_after) and not (
        found.checks
    ):
        return None
    return found


def _score(record: journal.Record | None) -> float | None:
    return record.score if record is not None and record.graded else None


def _status(record: journal.Record | None) -> str:
    if record is None:
        return ABSENT
    return "graded" if record.graded else NOT_GRADED


def _checks(old: journal.Record | None, new: journal.Record | None) -> list[CheckChange]:
    """Every check whose status differs, in exercise then run order; only between two
    gradings (a student newly graded or no longer graded changed status, not verdicts)."""
    if old is None or new is None or not (old.graded and new.graded):
        return []
    found = []
    for exercise in [*new.exercises, *(e for e in old.exercises if e not in new.exercises)]:
        was, now = old.exercises.get(exercise), new.exercises.get(exercise)
        before = was.checks if was else {}
        after = now.checks if now else {}
        titles = {**(was.check_titles if was else {}), **(now.check_titles if now else {})}
        for check in [*after, *(c for c in before if c not in after)]:
            if before.get(check) != after.get(check):
                found.append(
                    CheckChange(
                        exercise,
                        check,
                        titles.get(check, check),
                        before.get(check),
                        after.get(check),
                    )
                )
    return found


def table(changes: Changes) -> str:
    """The changes as the terminal shows them: one line per student, then one per check."""
    lines = [
        f"Changes from {changes.before} to {changes.after}: {len(changes.students)} "
        f"student(s) changed ({changes.losses} lose, {changes.gains} gain), "
        f"{changes.unchanged} unchanged"
    ]
    for student in changes.students:
        delta = f" ({student.delta:+.1f})" if student.delta is not None else ""
        lines.append(
            f"  {student.student}: {_shown(student.before, student.status_before)} → "
            f"{_shown(student.after, student.status_after)}{delta}"
        )
        lines += [
            f"      {c.exercise} {c.check}: {c.before or '–'} → {c.after or '–'}"
            for c in student.checks
        ]
    return "\n".join(lines) + "\n"


def _shown(score: float | None, status: str) -> str:
    return f"{score:.1f} %" if score is not None else status


def write(out: Path, changes: Changes, lang: str) -> list[Path]:
    """`changes.json` and `changes.html` in `out`; returns their paths."""
    out.mkdir(parents=True, exist_ok=True)
    data, page = out / CHANGES_JSON, out / CHANGES_HTML
    text = json.dumps(changes.to_dict(), ensure_ascii=False, indent=2) + "\n"
    data.write_text(text, encoding="utf-8")
    template = environment().get_template("changes.html.j2")
    t = texts("dashboard", lang)
    page.write_text(template.render(t=t, lang=lang, changes=changes), encoding="utf-8")
    return [data, page]


def shown(
    before: dict[str, journal.Record] | None,
    after: dict[str, journal.Record],
    *,
    before_label: str,
    after_label: str,
    out: TextIO,
) -> Changes | None:
    """What changed from `before` (None: nothing to compare), printed on `out` as a table."""
    if before is None:
        return None
    found = compare(before, after, before_label=before_label, after_label=after_label)
    print(table(found), end="", file=out)
    return found


def between(old: Path, new: Path, *, written_to: Path, lang: str, out: TextIO) -> list[Path]:
    """`grader diff`: what changed from the class in `old` to the one in `new`, shown on `out`
    and written to `written_to`; raises CannotGrade when either holds no journal."""
    empty = [str(f) for f in (old, new) if not journal.journals([f])]
    if empty:
        raise CannotGrade(f"grader diff: no journal (journal*.jsonl) in {', '.join(empty)}")
    labels = {"before_label": str(old), "after_label": str(new)}
    found = shown(journal.load([old]), journal.load([new]), out=out, **labels)
    assert found is not None
    return write(written_to, found, lang)
