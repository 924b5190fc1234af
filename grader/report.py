"""Render a `Report` in every format from Jinja templates (`reports/*.j2`), JSON directly."""

from __future__ import annotations

import json
import re
from typing import Any

import jinja2
from markupsafe import Markup, escape

from grader.paths import reports_dir
from grader.results import Report
from grader.signing import sign

FORMATS = ("text", "md", "html", "json", "junit")
_TEMPLATES = {"text": "report.txt.j2", "md": "report.md.j2", "html": "report.html.j2",
              "junit": "junit.xml.j2"}  # fmt: skip

LABELS: dict[str, dict[str, str]] = {
    "fr": {
        "passed": "réussi", "failed": "échoué", "not_attempted": "non tenté",
        "error": "erreur", "advice": "conseil", "warning": "bonne pratique à revoir",
        "objective": "objectif", "practice": "bonne pratique",
        "validated": "validé", "not_validated": "non validé", "not_judged": "non jugé ici",
        "some_not_judged": "Rien n'est en échec, mais tout n'a pas pu être jugé ici (voir les "
                           "vérifications non tentées et leur raison).",
        "validated_warnings": "Exercices validés : bravo ! Des points de bonne pratique restent "
                              "à gagner (⚠).",
        "total": "Total", "report": "Rapport de correction",
        "points": "points", "check": "Vérification", "status": "Statut", "hint": "Indice",
        "standins": "Images de remplacement hors-ligne utilisées", "details": "Journal",
        "duration": "Durée", "graded": "Corrigé", "all_passed": "Tout est réussi, bravo !",
        "some_failed": "Il reste des vérifications à faire passer.", "folder": "Dossier",
        "colon": " :", "points_not_attempted": "points non tentés", "score": "Score",
        "points_left_out": "points laissés de côté, non vérifiables ici",
        "note": "Remarque du correcteur",
        "all_passed_here": "Tout ce qui pouvait être vérifié ici est réussi ; le reste demande un "
                           "cluster Kubernetes (voir les vérifications non tentées).",
    },
    "en": {
        "passed": "passed", "failed": "failed", "not_attempted": "not attempted",
        "error": "error", "advice": "advice", "warning": "good practice to review",
        "objective": "objective", "practice": "good practice",
        "validated": "validated", "not_validated": "not validated", "not_judged": "not judged here",
        "some_not_judged": "Nothing fails, but not everything could be judged here (see the "
                           "checks not attempted and why).",
        "validated_warnings": "Exercises validated: well done! Good-practice points are still "
                              "to be earned (⚠).",
        "total": "Total", "report": "Grading report",
        "points": "points", "check": "Check", "status": "Status", "hint": "Hint",
        "standins": "Offline stand-in images used", "details": "Log",
        "duration": "Duration", "graded": "Graded", "all_passed": "Everything passed, well done!",
        "some_failed": "Some checks still need work.", "folder": "Folder", "colon": ":",
        "points_not_attempted": "points not attempted", "score": "Score",
        "points_left_out": "points left out, not checkable here",
        "note": "Grader's note",
        "all_passed_here": "Everything that could be checked here passed; the rest needs a "
                           "Kubernetes cluster (see the checks not attempted).",
    },
}  # fmt: skip
SYMBOLS = {"passed": "✔", "failed": "✘", "not_attempted": "○", "error": "‼", "advice": "ℹ",
           "warning": "⚠"}  # fmt: skip
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
    if fmt == "json":
        data = sign(report.to_dict(), key) if key else report.to_dict()
        return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    template = environment().get_template(_TEMPLATES[fmt])
    return template.render(
        report=report,
        t=LABELS[report.lang],
        symbols=SYMBOLS,
        verdict=verdict(report),
        total=report.scored(),
        score_of=report.exercise_score,
    )


def verdict(report: Report) -> str:
    """The label of the sentence that sums a report up."""
    if report.failed:
        return "some_failed"
    if not report.validated:
        return "some_not_judged"
    if not report.successful:
        return "validated_warnings"
    return "all_passed_here" if report.points_in("not_attempted") else "all_passed"


def _code(text: str) -> Markup:
    """Escape a hint for HTML, showing its `backticked` parts as code."""
    return Markup(_CODE.sub(r"<code>\1</code>", str(escape(text))))


def _points(value: Any) -> str:
    number = float(value)
    return str(int(number)) if number.is_integer() else f"{number:.1f}"
