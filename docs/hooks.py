"""MkDocs hook: the reference pages generated from the catalogue, at every build.

`reference/exercises.md` (ids, titles fr/en, points, needs, modes, checks) is read from
`grader.model.catalogue.Catalogue.load()`, and `reference/hints.md` from `grader/messages.yaml`
and each exercise's `messages.yaml`: neither page is written by hand, so neither can drift.
They are never committed; `mkdocs build` makes them (registered under `hooks:` in mkdocs.yml).
`python docs/hooks.py DIR` writes them into DIR, to read them without MkDocs.
"""

from __future__ import annotations

import html
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # the grader of this checkout, whichever venv runs mkdocs
    sys.path.insert(0, str(ROOT))

from grader.model.catalogue import Catalogue, Exercise  # noqa: E402
from grader.model.hints import LANGS, Messages  # noqa: E402

EXERCISES = "reference/exercises.md"
HINTS = "reference/hints.md"
_CODE = re.compile(r"(`[^`]*`)")


def _inline(text: str) -> str:
    """A catalogue text as Markdown on one line: code spans kept, the rest escaped."""
    parts = _CODE.split(" ".join(text.split()))
    out = [
        p if p.startswith("`") else re.sub(r"([*_\[\]|\\])", r"\\\1", html.escape(p, quote=False))
        for p in parts
    ]
    return "".join(out)


def _check_titles(exercise: Exercise, lang: str) -> dict[str, str]:
    """Its checks' titles, read from the source by the catalogue (nothing imported)."""
    return exercise.check_titles(lang)


def exercises_page(catalogue: Catalogue | None = None) -> str:
    catalogue = catalogue or Catalogue.load()
    lines = [
        "# Exercises (generated)",
        "",
        "Generated from the catalogue (`exercises/<id>_<slug>/exercise.yaml` and the checks) at",
        "every build of this site. What each check accepts, in words: [What each exercise",
        "checks](../students/exercises.md).",
        "",
        "| id | titre | title | points | needs | modes | folder |",
        "|---|---|---|---|---|---|---|",
    ]
    for e in catalogue:
        live = e.points_in("live")
        both = {"files", "live"} <= set(e.modes) and live != e.points
        points = f"{e.points}" + (f" (live: {live})" if both else "")
        row = [f"`{e.id}`", _inline(e.title_in("fr")), _inline(e.title_in("en")), points]
        row += [", ".join(e.needs) or "—", ", ".join(e.modes), f"`{e.submission}/`"]
        lines.append("| " + " | ".join(row) + " |")
    lines.append("")
    for e in catalogue:
        lines += [
            f"## {e.id} — {_inline(e.title_in('fr'))}",
            "",
            f"*{_inline(e.title_in('en'))}*",
            "",
        ]
        lines += [f"Statement: `{e.folder.relative_to(e.folder.parent.parent)}/README.md`.", ""]
        english = _check_titles(e, "en")
        for name, title in _check_titles(e, "fr").items():
            en = english.get(name) or ""
            shown = _inline(title) if title else "*(shared check)*"
            lines.append(
                f"- `{name}`: {shown}" + (f" — *{_inline(en)}*" if en and en != title else "")
            )
        lines.append("")
    return "\n".join(lines)


def _family(key: str) -> str:
    return key.split(".", 1)[0]


def hints_page(catalogue: Catalogue | None = None) -> str:
    catalogue = catalogue or Catalogue.load()
    messages: Messages = catalogue.messages()
    lines = [
        "# Hints (generated)",
        "",
        "Every hint a check can give, in French then English, generated from",
        "`grader/messages.yaml` (`common.*`) and each exercise's `messages.yaml` (`exN.*`) at",
        "every build of this site. `{name}` is filled in when the report is made.",
        "",
    ]
    every = messages.keys()  # a Messages, not a dict
    keys = [k for k in every if "." not in k.split(".", 1)[1]]  # hints, not `common.cli.…`
    for family in ["common", *(e.key_prefix for e in catalogue)]:
        lines += [f"## {family}", ""]
        for key in (k for k in keys if _family(k) == family):
            lines += [f"`{key}`", ""]
            for lang in LANGS:
                lines += [f":   **{lang}** {_inline(messages.text(key, lang) or '')}", ""]
    return "\n".join(lines)


def on_files(files: Any, config: Any) -> Any:
    """MkDocs event: the two generated pages join the site's files."""
    from mkdocs.structure.files import File

    catalogue = Catalogue.load()
    for path, content in ((EXERCISES, exercises_page(catalogue)), (HINTS, hints_page(catalogue))):
        files.append(File.generated(config, path, content=content))
    return files


if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "site-reference")
    catalogue = Catalogue.load()
    for path, content in ((EXERCISES, exercises_page(catalogue)), (HINTS, hints_page(catalogue))):
        (out / path).parent.mkdir(parents=True, exist_ok=True)
        (out / path).write_text(content, encoding="utf-8")
