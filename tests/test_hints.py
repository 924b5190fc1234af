from __future__ import annotations

from pathlib import Path

from grader.model.catalogue import Catalogue
from grader.model.hints import Messages, hint


def test_a_hint_renders_in_french_by_default_and_in_english_when_asked() -> None:
    messages = Catalogue.load().messages()
    item = hint("common.wrong_port", host="8082", target="80", found="8083:80")
    assert messages.render(item, "fr") == (
        'Attendu : le port 8082 de l\'hôte vers le port 80 du conteneur (`"8082:80"`). '
        "Trouvé : 8083:80."
    )
    assert messages.render(item, "en") == (
        'Expected: host port 8082 to container port 80 (`"8082:80"`). Found: 8083:80.'
    )


def test_nested_hints_and_lists_are_rendered_in_the_same_language() -> None:
    messages = Messages(
        {
            "a.outer": {"fr": "liste :\n{items}", "en": "list:\n{items}"},
            "a.inner": {"fr": "bonjour {who}", "en": "hello {who}"},
        }
    )
    item = hint("a.outer", items=[hint("a.inner", who="Ada"), hint("a.inner", who="Alan")])
    assert messages.render(item, "en") == "list:\n• hello Ada\n• hello Alan"


def test_a_missing_parameter_is_left_visible_rather_than_crashing() -> None:
    messages = Messages({"a.b": {"fr": "port {port}"}})
    assert messages.render(hint("a.b"), "en") == "port {port}"


def test_an_unknown_key_still_renders_something_useful() -> None:
    assert Messages({}).render(hint("x.y", n=1), "fr") == "[x.y] {'n': 1}"


def test_messages_load_prefixes_each_file(tmp_path: Path) -> None:
    (tmp_path / "m.yaml").write_text("k:\n  fr: oui\n  en: yes\n", encoding="utf-8")
    assert Messages.load([("ex9", tmp_path / "m.yaml")]).text("ex9.k", "fr") == "oui"


def test_the_interface_texts_are_in_the_one_catalogue_in_both_languages() -> None:
    from grader.model.texts import GROUPS, texts

    for group in GROUPS:
        french, english = texts(group, "fr"), texts(group, "en")
        assert french and french.keys() == english.keys(), group
        assert all(french.values()) and all(english.values()), group
    assert (
        texts("report", "en")["passed"] == "passed" and texts("report", "fr")["passed"] == "réussi"
    )
    assert "{path}" in texts("cli", "fr")["written"]
