"""The shell commands of a `.gitlab-ci.yml`, read as `publish.sh` is (never executed).

A GitLab course publishes with a job (`docker build`, `docker tag`, `docker push` in its
`script:`): that job is an answer of ex16 too (issue 23, item 6). The file's `variables:`
(global, then the job's) come first as assignments, then each job's `before_script:` (the
job's, else `default:`'s or the top-level one), `script:` and `after_script:`, in the order
the jobs are written; hidden jobs (`.name`) are templates and are skipped. Line numbers are
those of the YAML file.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from grader.containers.run_commands import Pick, RunCommand, commands_in_line, read_capped

FILES = (".gitlab-ci.yml", ".gitlab-ci.yaml")
MAX_BYTES = 256 * 1024
KEYWORDS = frozenset(
    {
        "default",
        "include",
        "stages",
        "variables",
        "workflow",
        "image",
        "services",
        "cache",
        "before_script",
        "after_script",
    }
)


def find(folder: Path) -> Path | None:
    return next(
        (folder / n for n in FILES if (folder / n).is_file() and not (folder / n).is_symlink()),
        None,
    )


@dataclass(frozen=True)
class Job:
    name: str
    commands: list[RunCommand]  # its variables first (as `NAME=value`), then its scripts


def commands(path: Path, *, pattern: re.Pattern[str], pick: Pick) -> list[RunCommand]:
    """The commands of every visible job, its variables first; [] when not readable YAML."""
    return [c for job in jobs(path, pattern=pattern, pick=pick) for c in job.commands]


def jobs(
    path: Path, *, pattern: re.Pattern[str], pick: Pick, label: str | None = None
) -> list[Job]:
    """Every visible job, in the file's order; its commands name the file `label` (the file's
    name by default). Read as untrusted text: never through a symlink, at most MAX_BYTES."""
    text, data = _load(path)
    file, lines = label or path.name, text.splitlines()
    found: list[Job] = []
    for name, job, entries in _visible(data):
        variables = {**_variables(data.get("variables")), **_variables(job.get("variables"))}
        listed = [RunCommand(file, _line(lines, k), [f"{k}={v}"]) for k, v in variables.items()]
        for entry in entries:
            listed += commands_in_line(file, _line(lines, entry), entry, pattern=pattern, pick=pick)
        found.append(Job(name, listed))
    return found


def script_lines(path: Path) -> list[tuple[str, list[str]]]:
    """Every visible job's name and lines (before_script, script, after_script), as written."""
    return [(name, entries) for name, _, entries in _visible(_load(path)[1])]


def _load(path: Path) -> tuple[str, dict[str, Any]]:
    """The file's text and its YAML mapping ({} when it is not one)."""
    text = read_capped(path, MAX_BYTES).decode("utf-8", "replace").lstrip("\ufeff")
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        return text, {}
    return text, data if isinstance(data, dict) else {}


def _visible(data: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any], list[str]]]:
    """Each job that runs (not a keyword, not hidden), with its script lines."""
    default: dict[str, Any] = data["default"] if isinstance(data.get("default"), dict) else {}
    before = default.get("before_script", data.get("before_script"))
    for name, job in data.items():
        if name in KEYWORDS or str(name).startswith(".") or not isinstance(job, dict):
            continue
        scripts = (job.get("before_script", before), job.get("script"), job.get("after_script"))
        yield str(name), job, [entry for script in scripts for entry in _flat(script)]


def _variables(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    found = {}
    for name, item in value.items():
        item = item.get("value") if isinstance(item, dict) else item
        if item is not None and re.fullmatch(r"[A-Za-z_]\w*", str(name)):
            found[str(name)] = str(item)
    return found


def _flat(script: Any) -> list[str]:
    """A `script:` is a string or a list of strings and (nested, from anchors) lists."""
    if isinstance(script, str):  # a `|` block: one command a line, `\` continues one
        return [line for line in script.replace("\\\n", " ").splitlines() if line.strip()]
    if isinstance(script, list):
        return [line for item in script for line in _flat(item)]
    return []


def _line(lines: list[str], text: str) -> int:
    """The 1-based line of the file where `text` (its first line) appears, else 1."""
    first = text.strip().splitlines()[0] if text.strip() else ""
    return next((i for i, line in enumerate(lines, 1) if first and first in line), 1)
