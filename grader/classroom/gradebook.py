"""What a teacher gets from a batch's journals: the gradebook (CSV for Moodle, JSON) and the
class dashboard (one self-contained HTML file), all rebuilt from the journals alone, so that
`grader merge` gives the same files from shards as one batch would have.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from grader.classroom import changes as changed
from grader.classroom import journal, similarity
from grader.model import lateness
from grader.model.catalogue import Catalogue
from grader.model.texts import texts
from grader.reports.report import environment

DASHBOARD, GRADEBOOK_CSV, GRADEBOOK_JSON = "dashboard.html", "gradebook.csv", "gradebook.json"
INCOMPLETE_COLUMN = "Incomplete class"


@dataclass
class Column:
    id: str
    title: str
    max_points: float


Records = dict[str, journal.Record]


def columns(records: Records, catalogue: Catalogue, lang: str) -> list[Column]:
    """The exercises graded, in catalogue order, each out of the most points a record puts at
    stake for it (the same for the whole class, unless shards were graded with and without a
    cluster: each row's own total and score stay its report's)."""
    graded: dict[str, float] = {}
    for record in records.values():
        for exercise_id, entry in record.exercises.items():
            graded[exercise_id] = max(graded.get(exercise_id, 0.0), entry.max_points)
    known = [e.id for e in catalogue if e.id in graded]
    ids = known + sorted(set(graded) - set(known))
    return [
        Column(i, catalogue.get(i).title_in(lang) if i in catalogue else i, graded[i]) for i in ids
    ]


def late_text(record: journal.Record) -> str:
    """Commits left out by `--deadline`, and each exercise handed in after its course
    deadline: `ex2 1 d 2 h late (-10 %)`."""
    parts = []
    late = record.late
    if late is not None:
        count = late.commits_after
        parts.append(f"{count} commit(s) after {late.deadline}" if count else "on time")
    for exercise_id, entry in record.exercises.items():
        if entry.lateness is not None and entry.lateness.late:
            cost = f" (-{_num(entry.penalty)} %)" if entry.penalty else ""
            parts.append(
                f"{exercise_id} {lateness.describe(entry.lateness.late_seconds)} late{cost}"
            )
    return "; ".join(parts)


def with_course(records: Records) -> bool:
    """Whether a course's weights or deadlines shaped these records: the gradebook then shows
    raw scores beside the final ones (and, without a course, stays as it always was)."""
    return any(
        r.weights or any(e.lateness is not None for e in r.exercises.values())
        for r in records.values()
    )


def gradebook(
    records: Records, cols: list[Column], history: dict[str, list[journal.Record]] | None = None
) -> list[dict[str, Any]]:
    """One row per student: points per exercise (after any late penalty), total, score, late
    flag, status, and the raw figures before penalties. The raw score is the student's
    report's; the final one is the same computation with the penalties
    (`grader.model.scoring.course_total`). `history`: older records of regraded students."""
    history = history or {}
    rows = []
    for student, record in sorted(records.items()):
        graded = record.graded
        row: dict[str, Any] = {"student": student, "name": record.name}
        for col in cols:
            entry = record.exercises.get(col.id)
            row[col.id] = entry.final_points if graded and entry else None
        finals = [e.final_points for e in record.exercises.values()]
        row |= {
            "total": round(sum(finals), 2) if graded else None,
            "max_points": record.max_points if graded else sum(c.max_points for c in cols),
            "score": record.score if graded else None,
            "raw_total": record.points if graded else None,
            "raw_score": record.raw_score if graded else None,
            "late": late_text(record),
            "commit": record.commit,
            "validated": " ".join(record.validated) if graded else None,
            "status": "graded" if graded else f"not graded: {record.error or ''}",
            "exercises": {i: _detail(e) for i, e in record.exercises.items()} if graded else {},
            "history": [_past(r) for r in history.get(student, [])],
        }
        rows.append(row)
    return rows


def _detail(entry: journal.ExerciseEntry) -> dict[str, Any]:
    late = entry.lateness
    return {
        "raw_points": entry.points,
        "points": entry.final_points,
        "max_points": entry.max_points,
        "raw_score": entry.raw_score,
        "score": entry.score,
        "weight": entry.weight,
        "deadline": late.deadline if late else None,
        "submitted_at": late.submitted_at if late else None,
        "late_seconds": late.late_seconds if late else 0.0,
        "penalty": entry.penalty,
    }


def _past(record: journal.Record) -> dict[str, Any]:
    """An older record of a regraded student, as the gradebook lists it."""
    return {
        "finished_at": record.finished_at,
        "status": record.status,
        "commit": record.commit,
        "score": record.score if record.graded else None,
        "raw_score": record.raw_score if record.graded else None,
        "error": record.error,
    }


def gradebook_csv(
    rows: list[dict[str, Any]],
    cols: list[Column],
    *,
    raw: bool = False,
    incomplete: Sequence[str] = (),
) -> str:
    """For Moodle's grade import (Grades > Import > CSV file): map "ID number" to the user's
    ID number (or Username), each exercise column to its grade item. Empty cell = no grade.
    The grade columns hold the final grades (after late penalties); with `raw` (a course),
    the raw total and score before penalties have columns of their own, not to be mapped.
    A class merged `incomplete` gets a last column saying what is missing, on every row (a
    column Moodle shows when mapping and leaves alone; a comment line would break the import)."""
    total = sum(c.max_points for c in cols)
    extra = [f"Raw total (/{_num(total)})", "Raw score (%)"] if raw else []
    header = [
        "ID number",
        "Full name",
        *[f"{c.id} (/{_num(c.max_points)})" for c in cols],
        f"Total (/{_num(total)})",
        "Score (%)",
        *extra,
        "Validated",
        "Late",
        "Commit",
        "Status",
        *([INCOMPLETE_COLUMN] if incomplete else []),
    ]
    warning = [_text("; ".join(incomplete))] if incomplete else []
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    numbers = ["total", "score", *(["raw_total", "raw_score"] if raw else [])]
    for row in rows:
        values = [row[c.id] for c in cols] + [row[k] for k in numbers]
        cells = ["" if v is None else _num(v) for v in values]
        keys = ("student", "name", "validated", "late", "commit", "status")
        texts = [_text(row[k] or "") for k in keys]
        writer.writerow([*texts[:2], *cells, *texts[2:], *warning])
    return buffer.getvalue()


def _text(value: str) -> str:
    """A text cell that a spreadsheet will not run as a formula (a GitLab project name is the
    student's to choose: `=HYPERLINK(…)`)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _num(value: float) -> str:
    number = float(value)
    return str(int(number)) if number.is_integer() else f"{number:.2f}".rstrip("0")


def pass_rates(records: Records, cols: list[Column]) -> list[dict[str, Any]]:
    """Per check: how many graded students passed, failed, or could not attempt it."""
    rates = []
    for col in cols:
        counts: dict[str, Counter[str]] = {}
        titles: dict[str, str] = {}
        for record in records.values():
            entry = record.exercises.get(col.id)
            if not record.graded or entry is None:
                continue
            titles |= entry.check_titles
            for name, status in entry.checks.items():
                counts.setdefault(name, Counter())[status] += 1
        for name, counter in counts.items():
            total = sum(counter.values())
            passed = counter["passed"] + counter["advice"]
            not_attempted = counter["not_attempted"]
            failed = total - passed - not_attempted
            rates.append(
                {
                    "exercise": col.id,
                    "check": name,
                    "title": titles.get(name, name),
                    "total": total,
                    "passed": passed / total,
                    "failed": failed / total,
                    "not_attempted": not_attempted / total,
                }
            )
    return rates


def histogram(scores: list[float], buckets: int = 10) -> list[dict[str, Any]]:
    counts = [0] * buckets
    for score in scores:
        counts[min(buckets - 1, int(score // (100 / buckets)))] += 1
    width = 100 // buckets
    return [{"label": f"{k * width}–{(k + 1) * width}", "count": n} for k, n in enumerate(counts)]


def similar(records: Records) -> list[similarity.Pair]:
    graded = {s: r.features for s, r in records.items() if r.graded}
    return similarity.similar_pairs(graded)


@dataclass
class Extras:
    """What a gradebook may say besides the grades: the older records of regraded students
    (`journal.history`), what a merge `--allow-incomplete` found missing
    (`grader.classroom.shards`), and what changed since the previous grading (written beside
    it as changes.html, which the dashboard links)."""

    history: dict[str, list[journal.Record]] | None = None
    incomplete: Sequence[str] = ()
    changes: changed.Changes | None = None


def write(
    out: Path,
    records: Records,
    catalogue: Catalogue,
    lang: str,
    history: dict[str, list[journal.Record]] | None = None,
    *,
    extras: Extras | None = None,
) -> list[Path]:
    """Write the gradebook (CSV, JSON) and the dashboard into `out` (and the changes, if
    any); returns their paths. `history`: the older records of regraded students."""
    extras = extras or Extras(history)
    cols = columns(records, catalogue, lang)
    rows = gradebook(records, cols, history or extras.history)
    pairs = similar(records)
    out.mkdir(parents=True, exist_ok=True)
    written = [out / GRADEBOOK_CSV, out / GRADEBOOK_JSON, out / DASHBOARD]
    book = gradebook_csv(rows, cols, raw=with_course(records), incomplete=extras.incomplete)
    written[0].write_text(book, encoding="utf-8")
    document = {
        "complete": not extras.incomplete,
        "incomplete": list(extras.incomplete),
        "columns": [asdict(c) for c in cols],
        "students": rows,
        "similar": [asdict(p) for p in pairs],
    }
    text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    written[1].write_text(text, encoding="utf-8")
    page = dashboard(records, cols, rows, pairs, lang, extras=extras)
    written[2].write_text(page, encoding="utf-8")
    if extras.changes is not None:
        written += changed.write(out, extras.changes, lang)
    return written


def dashboard(
    records: Records,
    cols: list[Column],
    rows: list[dict[str, Any]],
    pairs: list[similarity.Pair],
    lang: str,
    *,
    extras: Extras | None = None,
) -> str:
    extras = extras or Extras()
    scores = sorted(r["score"] for r in rows if r["score"] is not None)
    template = environment().get_template("dashboard.html.j2")
    return template.render(
        t=texts("dashboard", lang),
        lang=lang,
        cols=cols,
        rows=rows,
        pairs=pairs,
        records=records,
        histogram=histogram(scores),
        rates=pass_rates(records, cols),
        mean=statistics.mean(scores) if scores else None,
        median=statistics.median(scores) if scores else None,
        graded=len(scores),
        total=len(rows),
        left_out=left_out(records),
        course=with_course(records),
        incomplete=extras.incomplete,
        changes=extras.changes,
        changes_page=changed.CHANGES_HTML,
    )


def left_out(records: Records) -> dict[str, float]:
    """Per exercise, the points nobody could attempt here (no cluster), if any."""
    found: dict[str, float] = {}
    for record in records.values():
        for exercise_id, entry in record.exercises.items():
            if entry.left_out:
                found[exercise_id] = max(found.get(exercise_id, 0.0), entry.left_out)
    return found


def merge(sources: list[Path], out: Path, *, incomplete: Sequence[str] = ()) -> Records:
    """Join the journals (and copy the students' reports) of `sources` into `out`; returns
    the newest record of each student. Every record goes into the merged journal, the older
    ones of regraded students too (`journal.history`), so that merging merged folders loses
    nothing; a `merged` mark first says what was `incomplete` (`grader.classroom.shards`)."""
    every = journal.load_all(sources)
    records = journal.latest(every)
    out.mkdir(parents=True, exist_ok=True)
    for source in sources:
        students = source / "students"
        if students.is_dir() and source.resolve() != out.resolve():
            shutil.copytree(students, out / "students", dirs_exist_ok=True)
    merged = out / journal.file_name(None)
    if any(p.resolve() == merged.resolve() for p in journal.journals(sources)):
        merged = out / "journal.merged.jsonl"
    merged.unlink(missing_ok=True)
    book = journal.Journal(merged)
    book.append(journal.Mark("merged", journal.now(), incomplete=list(incomplete)))
    for record in sorted(every, key=lambda r: (r.student, r.finished_at)):
        book.append(record)
    return records
