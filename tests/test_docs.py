"""The README is the front door and the manual is the MkDocs site under docs/: the README stays
short, its links lead to pages that exist, the site's navigation names real pages, and the two
reference pages are generated from the catalogue (docs/hooks.py), never written by hand.
`mkdocs build --strict` itself runs in scripts/lint.sh."""

from __future__ import annotations

import importlib.util
import re
from types import ModuleType

import yaml

from grader.model.catalogue import Catalogue
from tests.helpers.repos import ROOT

README = ROOT / "README.md"
DOCS = ROOT / "docs"
_LINK = re.compile(r"\]\(([^)\s]+)\)")


def _hooks() -> ModuleType:
    spec = importlib.util.spec_from_file_location("docs_hooks", DOCS / "hooks.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _nav_pages(nav: object) -> list[str]:
    if isinstance(nav, str):
        return [nav]
    if isinstance(nav, list):
        return [page for item in nav for page in _nav_pages(item)]
    if isinstance(nav, dict):
        return [page for value in nav.values() for page in _nav_pages(value)]
    return []


def test_the_readme_is_a_front_door_of_at_most_220_lines() -> None:
    assert len(README.read_text(encoding="utf-8").splitlines()) <= 220


def test_the_readme_keeps_the_two_commands() -> None:
    text = README.read_text(encoding="utf-8")
    assert "## The two commands" in text
    assert "bash scripts/demo.sh" in text and "bash scripts/test.sh" in text
    assert (ROOT / "scripts" / "demo.sh").is_file() and (ROOT / "scripts" / "test.sh").is_file()


def test_every_link_of_the_readme_into_docs_leads_to_a_file_that_exists() -> None:
    targets = [t.split("#", 1)[0] for t in _LINK.findall(README.read_text(encoding="utf-8"))]
    into_docs = [t for t in targets if t.startswith("docs/")]
    assert len(into_docs) >= 10  # the front door does link into the manual
    assert [t for t in into_docs if not (ROOT / t).is_file()] == []


def test_every_page_of_the_site_navigation_exists_or_is_generated() -> None:
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    hooks = _hooks()
    generated = {hooks.EXERCISES, hooks.HINTS}
    pages = _nav_pages(config["nav"])
    assert generated <= set(pages)
    assert [p for p in pages if p not in generated and not (DOCS / p).is_file()] == []
    assert config["hooks"] == ["docs/hooks.py"]


def test_the_generated_pages_are_never_written_by_hand() -> None:
    hooks = _hooks()
    assert not (DOCS / hooks.EXERCISES).exists() and not (DOCS / hooks.HINTS).exists()


def test_the_exercise_reference_lists_every_exercise_with_its_titles_and_points() -> None:
    catalogue = Catalogue.load()
    page = _hooks().exercises_page(catalogue)
    for exercise in catalogue:
        assert f"| `{exercise.id}` | " in page
        assert f"## {exercise.id} — " in page
        for name in exercise.check_names():
            assert f"- `{name}`: " in page
    ex1 = "Notre premier Dockerfile : une image cowsay | Our first Dockerfile: a cowsay image"
    assert f"| `ex1` | {ex1} | 10 | docker | files | `ex1/` |" in page


def test_the_hint_reference_lists_every_hint_in_french_and_english() -> None:
    catalogue = Catalogue.load()
    page = _hooks().hints_page(catalogue)
    every = catalogue.messages().keys()  # a Messages, not a dict
    hints = [k for k in every if "." not in k.split(".", 1)[1]]
    assert "common.no_dockerfile" in hints and "ex1.no_cow" in hints
    for key in hints:
        assert f"`{key}`\n\n:   **fr** " in page
    assert "common.cli.unknown" not in page  # the interface's own texts are not hints
    assert ":   **en** No `{file}` file in `{folder}`." in page


def test_hint_texts_are_escaped_outside_their_code_spans() -> None:
    inline = _hooks()._inline
    assert inline("a <b> `<c> *d*` e*f\nnext") == r"a &lt;b&gt; `<c> *d*` e\*f next"
