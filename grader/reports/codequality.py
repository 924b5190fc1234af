"""GitLab's Code Quality report (`--format codequality`): what to fix, shown in the merge
request next to the lines, as GitLab documents the format (a JSON array of issues, each with
`description`, `check_name`, `fingerprint`, `severity` and `location.path` +
`location.lines.begin`).

Every failed check (severity `major`), every good-practice check lost (`minor`) and every
piece of advice such as hadolint's (`info`), with its file and lines where the check names them
(a Dockerfile instruction, a manifest), else the exercise's main file at line 1. Checks not
attempted are left out (their cause is already an issue), as is the grader's own failure. An
exercise not started is one issue on its folder (`info` while it fails nothing yet).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from grader.model.results import CheckResult, ExerciseResult, Report
from grader.model.texts import texts

SEVERITY = {"failed": "major", "warning": "minor", "advice": "info"}
MAIN_FILES = (
    "Dockerfile",
    "dockerfile",
    "compose.yaml",
    "compose.yml",
    "docker-compose.yaml",
    "docker-compose.yml",
    "README.md",
)


def render(report: Report) -> str:
    return json.dumps(issues(report), ensure_ascii=False, indent=2) + "\n"


def issues(report: Report) -> list[dict[str, Any]]:
    found = []
    for exercise in report.exercises:
        if exercise.not_started:
            found.append(_not_started(report, exercise))
        for check in exercise.checks:
            severity = SEVERITY.get(check.shown(report.strict))
            if severity is None or (check.status == "advice" and not check.hint):
                continue
            path = _path(report, exercise, check)
            for line in check.lines or [1]:
                found.append(_issue(exercise, check, severity, path, line))
    return found


def _issue(
    exercise: ExerciseResult, check: CheckResult, severity: str, path: str, line: int
) -> dict[str, Any]:
    identity = "\0".join((exercise.id, check.name, check.hint_key or "", path, str(line)))
    title = check.title.splitlines()[0]
    return {
        "description": f"{exercise.id} · {title}: {check.hint or ''}".strip().removesuffix(":"),
        "check_name": f"grader.{exercise.id}.{check.name}",
        "fingerprint": hashlib.sha256(identity.encode()).hexdigest()[:32],
        "severity": severity,
        "location": {"path": path, "lines": {"begin": max(1, line)}},
    }


def _not_started(report: Report, exercise: ExerciseResult) -> dict[str, Any]:
    """One issue for an exercise not started: `info` while it fails nothing, else `major`."""
    label = texts("report", report.lang)[exercise.verdict()]
    folder = _folder(report, exercise).as_posix()
    return {
        "description": f"{exercise.id} — {label}",
        "check_name": f"grader.{exercise.id}.not_started",
        "fingerprint": hashlib.sha256(f"{exercise.id}\0not_started".encode()).hexdigest()[:32],
        "severity": "info" if exercise.waiting else "major",
        "location": {"path": folder, "lines": {"begin": 1}},
    }


def _folder(report: Report, exercise: ExerciseResult) -> Path:
    """The exercise's folder, relative to the repository."""
    root, folder = Path(report.root), Path(exercise.submission)
    return folder.relative_to(root) if folder.is_relative_to(root) else Path(folder.name)


def _path(report: Report, exercise: ExerciseResult, check: CheckResult) -> str:
    """The file, relative to the repository: the one the check names if it is in the
    exercise's folder, else the folder's main file (Dockerfile, Compose file, a manifest)."""
    folder, relative = Path(exercise.submission), _folder(report, exercise)
    if check.file:
        named = Path(check.file)
        candidate = named if not named.is_absolute() else Path(named.name)
        if (folder / candidate).is_file():
            return (relative / candidate).as_posix()
        if (folder / candidate.name).is_file():
            return (relative / candidate.name).as_posix()
    main = next((name for name in MAIN_FILES if (folder / name).is_file()), None)
    if main is None and folder.is_dir():
        manifests = sorted(p.name for p in folder.iterdir() if p.suffix in (".yaml", ".yml"))
        main = manifests[0] if manifests else None
    return (relative / main).as_posix() if main else relative.as_posix()
