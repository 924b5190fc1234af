"""Render a `Report` in every format from Jinja templates (`templates/*.j2`, beside this
module), JSON directly."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

import jinja2
from markupsafe import Markup, escape

from grader.model.results import ExerciseResult, Report
from grader.model.texts import texts
from grader.paths import reports_dir
from grader.reports.signing import KEY_VARIABLE, sign

FORMATS = ("text", "md", "html", "json", "junit", "codequality")
_TEMPLATES = {
    "text": "report.txt.j2",
    "md": "report.md.j2",
    "html": "report.html.j2",
    "junit": "junit.xml.j2",
}

SYMBOLS = {
    "passed": "✔",
    "failed": "✘",
    "not_attempted": "○",
    "error": "‼",
    "advice": "ℹ",
    "warning": "⚠",
}
_CODE = re.compile(r"`([^`\n]+)`")


def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(reports_dir()),
        autoescape=jinja2.select_autoescape(["html", "xml", "html.j2", "xml.j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["pts"] = _points
    env.filters["code"] = _code
    return env


def render(report: Report, fmt: str, *, key: str | None = None) -> str:
    """The report in `fmt`; a JSON report is signed when a teacher's `key` is given."""
    if fmt == "codequality":
        from grader.reports import codequality

        return codequality.render(report)
    if fmt == "json":
        data = sign(report.to_dict(), key) if key else report.to_dict()
        return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    template = environment().get_template(_TEMPLATES[fmt])
    return template.render(
        report=report,
        t=texts("report", report.lang),
        symbols=SYMBOLS,
        verdict=verdict(report),
        total=report.scored(),
        score_of=report.exercise_score,
        hidden_of=lambda ex: hidden_line(ex, report.lang),
    )


def hidden_line(exercise: ExerciseResult, lang: str) -> str:
    """What a report says of an exercise's hidden checks: how many, and until when; nothing
    else is known to the report (grader.model.hidden)."""
    if not exercise.hidden:
        return ""
    t = texts("report", lang)
    until = exercise.hidden_until
    when = t["hidden_after"].format(date=_moment(until)) if until else t["hidden_on_release"]
    return t["hidden_checks"].format(n=exercise.hidden, when=when)


def _moment(iso: str) -> str:
    """`2026-12-15T23:59:00+01:00` → `2026-12-15 23:59 (+01:00)`."""
    day, _, rest = iso.partition("T")
    offset = rest[8:] if len(rest) > 8 else ""
    return f"{day} {rest[:5]}" + (f" ({offset})" if offset else "")


def verdict(report: Report) -> str:
    """The label of the sentence that sums a report up."""
    if report.exercises and not report.started:
        return "nothing_started"
    if report.failed:
        verdicts = {e.verdict(report.strict) for e in report.exercises}
        return "some_failed" if "not_validated" in verdicts else "due_not_started"
    if not report.validated:
        return "some_not_judged"
    if any(e.hidden for e in report.exercises):
        return "validated_hidden"
    if not report.successful:
        return "validated_warnings"
    if report.points_in("not_attempted"):
        return "all_passed_here"
    return "all_started_passed" if len(report.started) < len(report.exercises) else "all_passed"


def _code(text: str) -> Markup:
    """Escape a hint for HTML, showing its `backticked` parts as code."""
    return Markup(_CODE.sub(r"<code>\1</code>", str(escape(text))))


def _points(value: Any) -> str:
    number = float(value)
    return str(int(number)) if number.is_integer() else f"{number:.1f}"


def deliver(
    report: Report,
    *,
    shown: str,
    saved: Sequence[tuple[str, Path]],
    out: TextIO,
    lang: str,
) -> None:
    """Write `report` in each format of `saved` to its file (a JSON report signed with the
    teacher's key, when the job has one), show it in `shown` on `out`, then say where it went."""
    key = os.environ.get(KEY_VARIABLE) or None
    for fmt, path in saved:
        path.write_text(render(report, fmt, key=key), encoding="utf-8")
    print(render(report, shown, key=key), end="", file=out)
    for _, path in saved:
        print(texts("cli", lang)["written"].format(path=path), file=out)
