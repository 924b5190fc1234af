"""The batch journal: one JSON line per finished submission, appended and fsynced at once.

A batch killed at any moment (even by SIGKILL) loses at most the submissions in flight:
every line written is on disk, and a torn last line is ignored when reading. `--resume`
skips the students whose grading is recorded. Shards write their own journal file
(`journal.shard-3-of-8.jsonl`), so that their artefacts can be put in one folder and merged.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

GRADED, FAILED = "graded", "failed"  # a record's status: failed = could not be graded at all


def file_name(shard: tuple[int, int] | None) -> str:
    return "journal.jsonl" if shard is None else f"journal.shard-{shard[0]}-of-{shard[1]}.jsonl"


class Journal:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def append(self, record: dict[str, Any]) -> None:
        line = (json.dumps(record, ensure_ascii=False) + "\n").encode()
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                os.write(fd, line)
                os.fsync(fd)
            finally:
                os.close(fd)


def read(path: Path) -> list[dict[str, Any]]:
    """The records of one journal file; lines that are not whole JSON objects are skipped."""
    try:
        lines = path.read_bytes().splitlines()
    except OSError:
        return []
    records = []
    for line in lines:
        try:
            record = json.loads(line)
        except ValueError:
            continue  # a line torn by a kill
        if isinstance(record, dict) and isinstance(record.get("student"), str):
            records.append(record)
    return records


def journals(folders: Iterable[Path]) -> list[Path]:
    return sorted(p for f in folders for p in f.glob("journal*.jsonl") if p.is_file())


def latest(records: Iterable[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The newest record of each student, a graded one winning over a failed one."""
    found: dict[str, dict[str, Any]] = {}
    for record in records:
        old = found.get(record["student"])
        if old is None or _rank(record) >= _rank(old):
            found[record["student"]] = record
    return found


def _rank(record: dict[str, Any]) -> tuple[bool, str]:
    return record.get("status") == GRADED, str(record.get("finished_at", ""))


def load(folders: Iterable[Path]) -> dict[str, dict[str, Any]]:
    """The newest record of each student across the journals of `folders`."""
    return latest(r for path in journals(folders) for r in read(path))


def done(folder: Path) -> set[str]:
    """Students whose grading is recorded in the journals of `folder`."""
    return {s for s, r in load([folder]).items() if r.get("status") == GRADED}
