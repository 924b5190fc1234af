"""Who to grade: a folder of repositories, a CSV file, or a GitLab group.

A roster is a list of `Entry` (student id, name, where the work is). Ids become file names
(`students/<id>/`), so they are made safe and must be unique. `shard(entries, i, n)` splits
a roster the same way on every machine: sorted by id, then one entry in n.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

from grader.classroom.roster_entry import Entry, RosterError, safe_id

GITLAB_SCHEME = "gitlab://"

ID_HEADERS = (
    "id",
    "student",
    "student_id",
    "identifiant",
    "id number",
    "numéro d'identification",
    "username",
    "login",
    "email",
    "adresse de courriel",
)
NAME_HEADERS = ("name", "nom", "full name", "nom complet", "student name")
SOURCE_HEADERS = ("repository", "repo", "url", "path", "depot", "dépôt", "chemin", "git")


def is_url(source: str) -> bool:
    return "://" in source or re.match(r"^[\w.-]+@[\w.-]+:", source) is not None


def load(spec: str) -> list[Entry]:
    """The roster `spec` names: `gitlab://group/path`, a `.csv` file, or a folder."""
    if spec.startswith(GITLAB_SCHEME):
        from grader.classroom.gitlab_roster import group_entries

        entries = group_entries(spec.removeprefix(GITLAB_SCHEME).strip("/"))
    else:
        path = Path(spec)
        if path.is_dir():
            entries = from_folder(path)
        elif path.is_file():
            entries = from_csv(path)
        else:
            raise RosterError(f"{spec}: no such roster (a folder, a .csv file or gitlab://group)")
    return _unique(entries, spec)


def from_folder(folder: Path) -> list[Entry]:
    """One student per sub-folder (a clone of their repository, or their files)."""
    return [
        Entry(student=safe_id(child.name), name=child.name, source=str(child.resolve()))
        for child in sorted(folder.iterdir())
        if child.is_dir() and not child.name.startswith(".")
    ]


def from_csv(path: Path) -> list[Entry]:
    """Columns found by their header (id, name, repository; French headers too), in any
    order, comma or semicolon separated; without a known header: id, name, repository."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise RosterError(f"{path}: cannot read the roster ({error})") from error
    lines = text.splitlines()
    first = lines[0] if lines else ""
    delimiter = ";" if first.count(";") > first.count(",") else ","  # French spreadsheets use ;
    rows = [r for r in csv.reader(lines, delimiter=delimiter) if any(c.strip() for c in r)]
    if not rows:
        raise RosterError(f"{path}: the roster is empty")
    header = [c.strip().lower() for c in rows[0]]
    columns = [_column(header, names) for names in (ID_HEADERS, NAME_HEADERS, SOURCE_HEADERS)]
    if all(c is None for c in columns):
        columns, body = [0, 1, 2], rows  # no header: id, name, repository
    else:
        body = rows[1:]
    id_col, name_col, source_col = columns
    if id_col is None or source_col is None:
        raise RosterError(
            f"{path}: expected a student id column and a repository column, "
            f"found {', '.join(rows[0])}"
        )
    entries = []
    for number, row in enumerate(body, start=2 if body is not rows else 1):
        cell = [c.strip() for c in row] + [""] * 3
        student, source = cell[id_col], cell[source_col]
        if not student or not source:
            raise RosterError(f"{path}, line {number}: a student id and a repository are needed")
        name = cell[name_col] if name_col is not None and cell[name_col] else student
        if not is_url(source):
            source = str((path.parent / source).resolve())
        entries.append(Entry(student=safe_id(student), name=name, source=source))
    return entries


def _column(header: list[str], names: tuple[str, ...]) -> int | None:
    return next((i for i, cell in enumerate(header) if cell in names), None)


def _unique(entries: list[Entry], spec: str) -> list[Entry]:
    ids = [e.student for e in entries]
    doubles = sorted({i for i in ids if ids.count(i) > 1})
    if doubles:
        raise RosterError(f"{spec}: the same student id more than once: {', '.join(doubles)}")
    if not entries:
        raise RosterError(f"{spec}: no student in the roster")
    return sorted(entries, key=lambda e: e.student)


def parse_shard(text: str) -> tuple[int, int]:
    """`3/8` → (3, 8); raises ValueError unless 1 ≤ i ≤ n."""
    index, _, total = text.partition("/")
    i, n = int(index), int(total)
    if not 1 <= i <= n:
        raise ValueError(f"shard {text}: expected i/n with 1 ≤ i ≤ n")
    return i, n


def shard(entries: list[Entry], index: int, total: int) -> list[Entry]:
    """Shard `index` of `total` (1-based): every n-th student of the roster sorted by id."""
    ordered = sorted(entries, key=lambda e: e.student)
    return [e for k, e in enumerate(ordered) if k % total == index - 1]
