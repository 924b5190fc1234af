"""Grade a whole class: fetch each student's work, grade it, record it, in parallel.

Each submission is one `grader.grading.runner.grade` call (a pytest subprocess of its own), so a
broken or hostile submission can only fail its own record. Workers are threads that wait
on those subprocesses; host ports fixed by the statements are shared through
`grader.containers.ports`. Every finished submission is written to the journal at once.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import threading
import time
import traceback
from collections.abc import Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from grader.classroom import journal, similarity
from grader.classroom.checkout import CheckoutError, fetch
from grader.classroom.roster_entry import Entry
from grader.grading.session import ClusterChoice
from grader.model.catalogue import Catalogue, Exercise
from grader.model.course_policy import DEFAULT, CoursePolicy
from grader.model.results import Report
from grader.reports.report import render
from grader.reports.signing import KEY_VARIABLE

REPORT_FORMATS = {
    "html": "report.html",
    "md": "report.md",
    "json": "report.json",
    "junit": "report.xml",
}


@dataclass
class BatchOptions:
    exercises: Sequence[Exercise]
    out: Path
    jobs: int = 1
    lang: str = "fr"
    deadline: dt.datetime | None = None
    shard: tuple[int, int] | None = None
    auth_header: str | None = None  # for cloning (GitLab token), never recorded
    cluster: ClusterChoice = field(default_factory=ClusterChoice)
    policy: CoursePolicy = DEFAULT  # the course's: strictness, weights, deadlines, lateness


def student_folder(out: Path, student: str) -> Path:
    return out / "students" / student


def run(
    entries: Sequence[Entry],
    options: BatchOptions,
    catalogue: Catalogue,
    *,
    progress: Progress | None = None,
) -> list[journal.Record]:
    """Grade `entries`; returns their journal records (in the order they finished). The
    journal is written even when there is nobody to grade (an empty shard): a `started` mark
    naming the shard and its students first, a `finished` mark once every one is recorded —
    never after an interruption or a crash, so that `grader merge` can tell."""
    book = journal.Journal(options.out / journal.file_name(options.shard))
    book.append(
        journal.Mark("started", journal.now(), options.shard, students=[e.student for e in entries])
    )
    records: list[journal.Record] = []
    progress = progress or Progress(len(entries), stream=None)
    stop = threading.Event()

    def task(entry: Entry) -> journal.Record | None:
        progress.started(entry.student)
        record = grade_one(entry, options, catalogue, stop=stop)
        if record is not None:  # None: interrupted, left for --resume
            book.append(record)
        return record

    with ThreadPoolExecutor(max_workers=max(1, options.jobs)) as pool:
        pending: set[Future[journal.Record | None]] = {pool.submit(task, e) for e in entries}
        try:
            while pending:
                finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in finished:
                    record = future.result()
                    if record is not None:
                        records.append(record)
                        progress.finished(record)
        except KeyboardInterrupt:
            stop.set()
            for future in pending:
                future.cancel()
            raise
    book.append(journal.Mark("finished", journal.now(), options.shard))
    return records


def grade_one(
    entry: Entry, options: BatchOptions, catalogue: Catalogue, *, stop: threading.Event
) -> journal.Record | None:
    """Fetch, grade and report one student; never raises for the student's sake. None when
    the batch was interrupted meanwhile (nothing is recorded: `--resume` grades it again)."""
    from grader.grading.runner import grade

    started = time.monotonic()
    record = journal.Record(student=entry.student, name=entry.name, source=_shown(entry.source))
    folder = student_folder(options.out, entry.student)
    if stop.is_set():
        return None
    try:
        checkout = fetch(
            entry,
            work=options.out / "work",
            deadline=options.deadline,
            auth_header=options.auth_header,
        )
        if checkout.late is not None:
            record.late = journal.Late(**vars(checkout.late))
        report = grade(
            options.exercises,
            root=checkout.root,
            lang=options.lang,
            mode="files",
            catalogue=catalogue,
            cluster=options.cluster,
            stop=stop,
            policy=options.policy,
            student=entry.student,
        )
        if stop.is_set():  # a Ctrl-C reached the pytest run too: its result is not a grade
            return None
        _write_reports(report, folder)
        journal.graded_record(record, report)
        record.commit = checkout.commit or report.commit
        record.report = f"students/{entry.student}/{REPORT_FORMATS['html']}"
        record.features = {
            e.id: similarity.features(checkout.root / e.submission) for e in options.exercises
        }
    except KeyboardInterrupt:
        return None
    except CheckoutError as error:
        record.error = str(error)
    except Exception as error:  # a bug of ours: recorded, the batch goes on
        record.status = journal.FAILED
        record.error = f"grader error: {type(error).__name__}: {error}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "error.log").write_text(traceback.format_exc(), encoding="utf-8")
    record.duration = round(time.monotonic() - started, 2)
    record.finished_at = journal.now()
    return record


def _write_reports(report: Report, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    key = os.environ.get(KEY_VARIABLE) or None
    for fmt, name in REPORT_FORMATS.items():
        (folder / name).write_text(render(report, fmt, key=key), encoding="utf-8")


def _shown(source: str) -> str:
    """A source as it may be recorded: credentials in a URL are cut out."""
    scheme, sep, rest = source.partition("://")
    if sep and "@" in rest.split("/", 1)[0]:
        return f"{scheme}://{rest.split('@', 1)[1]}"
    return source


class Progress:
    """`[12/30] done 10 · failed 1 · running 2 · ETA 1 min 40 s`: redrawn in place on a
    terminal, one line per finished submission otherwise (CI logs)."""

    def __init__(self, total: int, *, stream: TextIO | None = sys.stderr) -> None:
        self.total, self.stream = total, stream
        self.done = self.failed = 0
        self.running: set[str] = set()
        self.started_at = time.monotonic()
        self._lock = threading.Lock()
        self.tty = bool(stream and stream.isatty())

    def started(self, student: str) -> None:
        with self._lock:
            self.running.add(student)
            if self.tty:
                self._draw("")

    def finished(self, record: journal.Record) -> None:
        with self._lock:
            self.running.discard(record.student)
            if record.graded:
                self.done += 1
                what = f"{record.score:.1f} %"
            else:
                self.failed += 1
                what = f"NOT GRADED: {record.error}"
            self._draw(f"{record.student}: {what} ({record.duration:.0f} s)")

    def line(self) -> str:
        finished = self.done + self.failed
        elapsed = time.monotonic() - self.started_at
        eta = ""
        if finished:
            remaining = elapsed / finished * (self.total - finished)
            eta = f" · ETA {_duration(remaining)}"
        return (
            f"[{finished}/{self.total}] done {self.done} · failed {self.failed} · "
            f"running {len(self.running)}{eta}"
        )

    def _draw(self, event: str) -> None:
        if self.stream is None:
            return
        if self.tty:
            if event:
                self.stream.write("\r\033[K" + event + "\n")
            self.stream.write("\r\033[K" + self.line())
        else:
            self.stream.write(f"{self.line()}  {event}\n")
        self.stream.flush()


def _duration(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes} min {secs:02d} s" if minutes else f"{secs} s"


def pending(
    entries: Sequence[Entry], done: set[str], regrade: Sequence[str] = (), *, resume: bool = True
) -> list[Entry]:
    """The entries to grade: those not `done` (with `resume`) and those to `regrade`, in
    roster order. Without `resume`, a regrade grades only the students named."""
    again = set(regrade)
    return [e for e in entries if e.student in again or (resume and e.student not in done)]
