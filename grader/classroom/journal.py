"""The batch journal: one JSON line per finished submission, appended and fsynced at once.

A batch killed at any moment (even by SIGKILL) loses at most the submissions in flight:
every line written is on disk, and a torn last line is ignored when reading. `--resume`
skips the students whose grading is recorded. Shards write their own journal file
(`journal.shard-3-of-8.jsonl`), so that their artefacts can be put in one folder and merged.

A student graded again (`grader batch --regrade`) gets a new line: the newest record wins and
the older ones are kept, as that student's `history`.

A line is a `Record`, read and written here only: the batch makes them, the gradebook and
the dashboard read them, and the tests build them with the same classes. A batch run also
writes a `Mark` when it starts (which shard, which students) and when it finishes, so that
`grader merge` tells a shard that completed (even an empty one) from one that crashed or was
lost (`grader.classroom.shards`). Readers of records skip marks, and readers of marks records.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import threading
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Final, Literal

from grader import __version__
from grader.model import scoring
from grader.model.lateness import Lateness
from grader.model.results import Report

GRADED: Final = "graded"  # a record's status
FAILED: Final = "failed"  # could not be graded at all
RecordStatus = Literal["graded", "failed"]
MarkKind = Literal["started", "finished", "merged"]


@dataclass
class ExerciseEntry:
    """One exercise of one student, as the gradebook needs it."""

    points: float
    max_points: float  # at stake under the score policy
    left_out: float = 0.0  # points the policy leaves out (no cluster here…)
    checks: dict[str, str] = field(default_factory=dict)  # check name → status
    check_titles: dict[str, str] = field(default_factory=dict)
    error: str | None = None
    validated: bool = False
    raw_score: float = 0.0  # percent of `max_points`, before any late penalty
    score: float = 0.0  # percent, after the late penalty (`scoring.penalised`)
    weight: float = 1.0  # in the course's total
    lateness: Lateness | None = None  # with a course deadline for this exercise

    @property
    def penalty(self) -> float:
        return self.lateness.penalty if self.lateness else 0.0

    @property
    def final_points(self) -> float:
        """The points left once the late penalty is taken off (the gradebook's grade)."""
        return round(self.points * (1 - self.penalty / 100), 2)


@dataclass
class Late:
    deadline: str
    commits_after: int  # commits made after the deadline (not graded)
    last_commit_at: str | None = None


@dataclass
class Record:
    student: str
    name: str
    source: str = ""
    status: RecordStatus = FAILED
    error: str | None = None  # why it could not be graded (status failed)
    commit: str | None = None
    late: Late | None = None
    exercises: dict[str, ExerciseEntry] = field(default_factory=dict)
    points: float = 0.0
    max_points: float = 0.0
    score: float = 0.0  # percent, final (`scoring.course_total`, after late penalties)
    raw_score: float = 0.0  # percent before penalties: the student's report says the same
    weights: dict[str, float] = field(default_factory=dict)  # the course's; {}: no course
    validated: list[str] = field(default_factory=list)
    report: str | None = None  # the student's HTML report, relative to the batch folder
    features: dict[str, list[str]] = field(default_factory=dict)  # for grader.classroom.similarity
    duration: float = 0.0
    finished_at: str = ""
    policy: dict[str, str] = field(default_factory=scoring.DEFAULT.to_dict)

    @property
    def graded(self) -> bool:
        return self.status == GRADED

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Record:
        """A record read back; raises ValueError (or TypeError, KeyError) on a malformed one."""
        status = data.get("status")
        if status not in (GRADED, FAILED):
            raise ValueError(f"unknown record status {status!r}")
        late = data.get("late")
        return cls(
            student=str(data["student"]),
            name=str(data.get("name") or data["student"]),
            source=str(data.get("source") or ""),
            status=status,
            error=_opt(data.get("error")),
            commit=_opt(data.get("commit")),
            late=Late(**late) if isinstance(late, dict) else None,
            exercises={str(k): _entry(v) for k, v in (data.get("exercises") or {}).items()},
            points=float(data.get("points") or 0),
            max_points=float(data.get("max_points") or 0),
            score=float(data.get("score") or 0),
            raw_score=float(data.get("raw_score", data.get("score")) or 0),
            weights={str(k): float(v) for k, v in (data.get("weights") or {}).items()},
            validated=[str(v) for v in data.get("validated") or []],
            report=_opt(data.get("report")),
            features={str(k): [str(x) for x in v] for k, v in (data.get("features") or {}).items()},
            duration=float(data.get("duration") or 0),
            finished_at=str(data.get("finished_at") or ""),
            policy={str(k): str(v) for k, v in (data.get("policy") or {}).items()}
            or scoring.DEFAULT.to_dict(),
        )


def graded_record(base: Record, report: Report) -> Record:
    """`base` (who, where from) with the grading of `report`, and the lateness of its
    exercises under a course's late policy (`Report.lateness`). Its raw scores are the report's own
    (`Report.score`, weighted by the report's course), so that the gradebook and the student's
    report never disagree; the final score is the same computation with the penalties."""
    entries: dict[str, ExerciseEntry] = {}
    scores: dict[str, scoring.Score] = {}
    for result in report.exercises:
        score = scores[result.id] = result.scored(report.policy)
        late = report.lateness.get(result.id)
        entries[result.id] = ExerciseEntry(
            points=score.points,
            max_points=score.max_points,
            left_out=score.left_out,
            checks={c.name: c.status for c in result.checks},
            check_titles={c.name: c.title.splitlines()[0] for c in result.checks if c.title},
            error=result.error,
            validated=result.validated(report.strict),
            raw_score=score.percent,
            score=scoring.penalised(score.percent, late.penalty if late else 0.0),
            weight=report.weights.get(result.id, 1.0),
            lateness=late,
        )
    total = report.scored()
    weights = report.weights or None
    base.status = GRADED
    base.exercises = entries
    base.points, base.max_points = total.points, total.max_points
    base.raw_score = report.score
    base.score = scoring.course_total(scores, weights, {i: e.penalty for i, e in entries.items()})
    base.weights = dict(report.weights)
    base.validated = [i for i, e in entries.items() if e.validated]
    base.policy = report.policy.to_dict()
    return base


def _entry(data: Any) -> ExerciseEntry:
    """An exercise entry read back; one written before late policies (no `raw_score`) gets
    its percentages from its points."""
    if not isinstance(data, dict):
        raise ValueError("an exercise entry is not an object")
    points, max_points = float(data.get("points") or 0), float(data.get("max_points") or 0)
    percent = scoring.Score(points, max_points).percent
    late = data.get("lateness")
    return ExerciseEntry(
        points=points,
        max_points=max_points,
        left_out=float(data.get("left_out") or 0),
        checks={str(k): str(v) for k, v in (data.get("checks") or {}).items()},
        check_titles={str(k): str(v) for k, v in (data.get("check_titles") or {}).items()},
        error=_opt(data.get("error")),
        validated=bool(data.get("validated")),
        raw_score=float(data.get("raw_score", percent)),
        score=float(data.get("score", percent)),
        weight=float(data.get("weight", 1)),
        lateness=Lateness(**late) if isinstance(late, dict) else None,
    )


def _opt(value: Any) -> str | None:
    return None if value is None else str(value)


@dataclass
class Mark:
    """A line that is not a student's: a batch run `started` (its shard, the students it is
    to grade) or `finished`; or, first in a merged journal, `merged` (with what was missing
    when `grader merge --allow-incomplete` wrote it)."""

    mark: MarkKind
    at: str
    shard: tuple[int, int] | None = None  # (i, n); None: a batch not sharded
    students: list[str] = field(default_factory=list)
    incomplete: list[str] = field(default_factory=list)
    grader: str = __version__

    def to_json(self) -> str:
        data = asdict(self)
        data["shard"] = list(self.shard) if self.shard else None
        return json.dumps(data, ensure_ascii=False)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Mark:
        kind = data.get("mark")
        if kind not in ("started", "finished", "merged"):
            raise ValueError(f"unknown mark {kind!r}")
        shard = data.get("shard")
        return cls(
            mark=kind,
            at=str(data.get("at") or ""),
            shard=(int(shard[0]), int(shard[1])) if shard else None,
            students=[str(s) for s in data.get("students") or []],
            incomplete=[str(s) for s in data.get("incomplete") or []],
            grader=str(data.get("grader") or ""),
        )


def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def file_name(shard: tuple[int, int] | None) -> str:
    return "journal.jsonl" if shard is None else f"journal.shard-{shard[0]}-of-{shard[1]}.jsonl"


class Journal:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def append(self, record: Record | Mark) -> None:
        line = (record.to_json() + "\n").encode()
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                os.write(fd, line)
                os.fsync(fd)
            finally:
                os.close(fd)


def read(path: Path) -> list[Record]:
    """The records of one journal file; lines that are not whole records are skipped."""
    return [line for line in read_lines(path) if isinstance(line, Record)]


def read_marks(path: Path) -> list[Mark]:
    """The marks of one journal file, in the order written (none in a journal written before
    marks: `grader.classroom.shards` then takes it as complete, as it always did)."""
    return [line for line in read_lines(path) if isinstance(line, Mark)]


def read_lines(path: Path) -> list[Record | Mark]:
    """Every whole line of one journal file, records and marks, in the order written."""
    try:
        lines = path.read_bytes().splitlines()
    except OSError:
        return []
    found: list[Record | Mark] = []
    for line in lines:
        try:
            data = json.loads(line)
            if isinstance(data, dict):
                found.append(Mark.from_dict(data) if "mark" in data else Record.from_dict(data))
        except (ValueError, TypeError, KeyError, IndexError):
            continue  # a line torn by a kill, or not ours
    return found


def journals(folders: Iterable[Path]) -> list[Path]:
    return sorted(p for f in folders for p in f.glob("journal*.jsonl") if p.is_file())


def latest(records: Iterable[Record]) -> dict[str, Record]:
    """The newest record of each student, a graded one winning over a failed one."""
    found: dict[str, Record] = {}
    for record in records:
        old = found.get(record.student)
        if old is None or _rank(record) >= _rank(old):
            found[record.student] = record
    return found


def _rank(record: Record) -> tuple[bool, str]:
    return record.graded, record.finished_at


def history(records: Iterable[Record]) -> dict[str, list[Record]]:
    """Per student, the records that `latest` did not keep (older gradings, failed attempts),
    oldest first: a regrade replaces a grade, it does not erase it."""
    every: dict[str, list[Record]] = {}
    for record in records:
        every.setdefault(record.student, []).append(record)
    kept = latest(r for group in every.values() for r in group)
    return {
        student: sorted((r for r in group if r is not kept[student]), key=lambda r: r.finished_at)
        for student, group in every.items()
        if len(group) > 1
    }


def load_all(folders: Iterable[Path]) -> list[Record]:
    """Every record of the journals of `folders`, in the order written."""
    return [r for path in journals(folders) for r in read(path)]


def load(folders: Iterable[Path]) -> dict[str, Record]:
    """The newest record of each student across the journals of `folders`."""
    return latest(load_all(folders))


def done(folder: Path) -> set[str]:
    """Students whose grading is recorded in the journals of `folder`."""
    return {s for s, r in load([folder]).items() if r.graded}
