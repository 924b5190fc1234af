"""Meta-tests of every exercise folder: well-formed, points add up, every message exists."""

from __future__ import annotations

import ast
import copy
import dataclasses
import datetime as dt
import importlib
import importlib.util
import inspect
import re
import sys
from pathlib import Path

import pytest
import yaml

import grader.authoring
from grader.containers.dockerfile import TRANSLATED
from grader.model.catalogue import Catalogue, Exercise, Pack
from grader.model.hints import LANGS
from tests.helpers.repos import ROOT, variants

CATALOGUE = Catalogue.load()
HINT_KEY = re.compile(r"""hint\(\s*f?["']([a-z0-9_]+\.[A-Za-z0-9_]+)["']""")


def _functions(path: Path) -> dict[str, ast.FunctionDef]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}


def _defined_in(name: str) -> Path:
    """The grader module where the shared check `authoring.<name>` is written."""
    return Path(inspect.getfile(getattr(grader.authoring, name)))


def _checks(exercise: Exercise) -> list[ast.FunctionDef]:
    """The check functions of an exercise, including shared ones it takes from a grader
    module by assignment (`test_x = authoring.test_x`)."""
    functions = []
    for module in exercise.check_modules:
        tree = ast.parse(module.read_text(encoding="utf-8"))
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
                functions.append(node)
            elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Attribute):
                source = node.value.value
                assert isinstance(source, ast.Name), ast.dump(node)
                shared = copy.copy(_functions(_defined_in(node.value.attr))[node.value.attr])
                target = node.targets[0]
                assert isinstance(target, ast.Name), ast.dump(node)
                shared.name = target.id  # pytest collects it under the name it is given here
                functions.append(shared)
            elif (
                isinstance(node, ast.Assign)
                and isinstance(node.value, ast.Call)
                and isinstance(node.value.func, ast.Attribute)
                and node.value.func.attr == "also_live"
            ):
                functions.append(_also_live(node, functions))
    return functions


def _also_live(node: ast.Assign, functions: list[ast.FunctionDef]) -> ast.FunctionDef:
    """`test_x_live = kube_checks.also_live(test_x)`: test_x, marked live, under that name."""
    call = node.value
    assert isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute), ast.dump(node)
    assert call.func.attr == "also_live" and isinstance(call.args[0], ast.Name), ast.dump(node)
    name = call.args[0].id
    live = copy.deepcopy(next(f for f in functions if f.name == name))
    target = node.targets[0]
    assert isinstance(target, ast.Name), ast.dump(node)
    live.name = target.id
    mark = ast.Attribute(value=ast.Attribute(value=ast.Name("pytest"), attr="mark"), attr="live")
    live.decorator_list.append(mark)
    return live


def _markers(function: ast.FunctionDef) -> dict[str, list[object]]:
    found: dict[str, list[object]] = {}
    for decorator in function.decorator_list:
        call = decorator if isinstance(decorator, ast.Call) else None
        target = call.func if call else decorator
        if isinstance(target, ast.Attribute):
            found[target.attr] = [ast.literal_eval(a) for a in call.args] if call else []
    return found


@pytest.mark.parametrize("exercise", list(CATALOGUE), ids=CATALOGUE.ids())
def test_exercise_folder_holds_statement_solution_messages_and_checks(exercise: Exercise) -> None:
    assert (exercise.folder / "README.md").read_text(encoding="utf-8").startswith("# Exercice")
    assert any((exercise.folder / "solution").iterdir())
    assert (exercise.folder / "messages.yaml").is_file()
    assert exercise.check_modules and set(exercise.title) == set(LANGS)


def _imported_marks(exercise: Exercise) -> dict[str, dict[str, list[object]]]:
    """Its checks' marks as pytest sees them: its modules imported, each `test_*`'s marks."""
    found: dict[str, dict[str, list[object]]] = {}
    for path in exercise.check_modules:
        spec = importlib.util.spec_from_file_location(f"_marks_{exercise.id}_{path.stem}", path)
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module  # its dataclasses look themselves up there
        try:
            spec.loader.exec_module(module)
        finally:
            del sys.modules[spec.name]
        for name, value in vars(module).items():
            if name.startswith("test_") and callable(value):
                found[name] = {m.name: list(m.args) for m in getattr(value, "pytestmark", [])}
    return found


@pytest.mark.parametrize("exercise", list(CATALOGUE), ids=CATALOGUE.ids())
def test_points_of_each_mode_add_up_to_the_declared_total(exercise: Exercise) -> None:
    """The total is not written anywhere but in the checks' markers: the catalogue's reading of
    them (from the source, per mode) is what pytest will count, check by check."""
    marks = _imported_marks(exercise)
    assert all("points" in m for m in marks.values()), "a check without @pytest.mark.points"
    assert set(exercise.checks) == set(marks)
    for name, check in exercise.checks.items():
        assert (check.points, check.live) == (marks[name]["points"][0], "live" in marks[name])
    for mode in exercise.modes:
        total = sum(
            float(m["points"][0]) for m in marks.values() if ("live" in m) == (mode == "live")
        )  # type: ignore[arg-type]
        assert total == exercise.points_in(mode) > 0, f"{exercise.id} {mode}"


@pytest.mark.parametrize("exercise", list(CATALOGUE), ids=CATALOGUE.ids())
def test_every_check_has_a_french_and_an_english_title(exercise: Exercise) -> None:
    for check in _checks(exercise):
        doc = ast.get_docstring(check) or ""
        assert doc and "\nen: " in doc, (
            f"{check.name}: docstring needs a French line and an en: line"
        )


def _expectations(variant: Path) -> dict[str, dict[str, str]]:
    """expect.yaml's {status: {check: hint key}} (a `full_marks: true` variant has none)."""
    raw = yaml.safe_load((variant / "expect.yaml").read_text(encoding="utf-8")) or {}
    return {s: raw[s] for s in ("failed", "not_attempted") if raw.get(s)}


KEY = re.compile(r"^(common|ex\d+)\.[A-Za-z0-9_]*[A-Za-z0-9]$")  # not an f-string's head


def _keys_written(tree: ast.AST) -> set[str]:
    """Every string in the source that reads as a hint key: `hint("ex2.x")`, `key="common.y"`,
    `"common.a" if … else "common.b"` alike."""
    return {
        n.value
        for n in ast.walk(tree)
        if isinstance(n, ast.Constant) and isinstance(n.value, str) and KEY.match(n.value)
    }


def _built_keys(tree: ast.AST) -> list[int]:
    """Lines where `hint()` is given a key built at run time without `declared()`."""
    return [
        n.lineno
        for n in ast.walk(tree)
        if isinstance(n, ast.Call)
        and getattr(n.func, "id", None) == "hint"
        and n.args
        and isinstance(n.args[0], ast.JoinedStr)
    ]


def test_every_hint_key_used_exists_in_french_and_in_english() -> None:
    """The registry: keys written as strings anywhere, and the families of keys built at run
    time that each module declares (`HINT_KEYS`, checked by `hints.declared` where built)."""
    messages = CATALOGUE.messages()
    sources = list((ROOT / "grader").rglob("*.py")) + list((ROOT / "exercises").glob("*/*.py"))
    used: set[str] = set()
    for path in sources:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        assert _built_keys(tree) == [], f"{path.name}: a key built without hints.declared()"
        used |= _keys_written(tree)
    for path in (ROOT / "grader").rglob("*.py"):
        if path.stem == "__main__":
            continue
        dotted = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        module = importlib.import_module(dotted.removesuffix(".__init__"))
        used |= set(getattr(module, "HINT_KEYS", ()))
    used |= {f"common.hadolint_{code}" for code in TRANSLATED}
    for _, variant in variants():
        expect = _expectations(variant)
        used |= {k for status in expect.values() for k in status.values()}
    assert len(used) > 100
    missing = [
        (key, lang) for key in sorted(used) for lang in LANGS if not messages.text(key, lang)
    ]
    assert missing == []


def test_the_registry_sees_keys_passed_by_keyword_and_built_keys() -> None:
    tree = ast.parse(
        'assert_present(s, key="common.no_compose_file")\n'
        'x = "common.a" if y else "common.b"\nhint(f"common.{z}")\n'
    )
    assert _keys_written(tree) == {"common.no_compose_file", "common.a", "common.b"}
    assert _built_keys(tree) == [3]


def test_every_message_has_both_languages() -> None:
    messages = CATALOGUE.messages()
    keys = messages.keys()
    missing = [(k, lang) for k in keys for lang in LANGS if not messages.text(k, lang)]
    assert missing == []


@pytest.mark.parametrize(
    ("exercise_id", "variant"), variants(), ids=[f"{i}-{p.name}" for i, p in variants()]
)
def test_every_broken_variant_names_checks_that_exist(exercise_id: str, variant: Path) -> None:
    raw = yaml.safe_load((variant / "expect.yaml").read_text(encoding="utf-8"))
    names = {c.name for c in _checks(CATALOGUE.get(exercise_id))}
    expected = {name for status in _expectations(variant).values() for name in status}
    assert (expected and expected <= names) or (raw == {"full_marks": True} and not expected)


@pytest.mark.parametrize(
    "exercise", [e for e in CATALOGUE if "files" in e.modes], ids=lambda e: e.id
)
def test_the_bundled_sample_is_the_reference_solution(exercise: Exercise) -> None:
    """fixtures/sample (what the README's first command grades) holds every file exercise."""
    solution = exercise.folder / "solution"
    sample = ROOT / "fixtures" / "sample" / exercise.submission
    files = sorted(p.relative_to(solution) for p in solution.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(sample) for p in sample.rglob("*") if p.is_file())
    assert all((solution / f).read_bytes() == (sample / f).read_bytes() for f in files)


@pytest.mark.parametrize(
    "exercise", [e for e in CATALOGUE if e.modes == ("live",)], ids=lambda e: e.id
)
def test_a_live_only_exercise_ships_its_reference_commands(exercise: Exercise) -> None:
    script = (exercise.folder / "solution" / "commands.sh").read_text(encoding="utf-8")
    assert script.startswith("#!/bin/sh") and "docker " in script


@pytest.mark.parametrize("exercise", list(CATALOGUE), ids=CATALOGUE.ids())
def test_each_statement_lists_its_good_practice_checks(exercise: Exercise) -> None:
    """The statement says which checks are good practice (the others are objectives), the
    same ones the checks are marked with."""
    practice = [
        (ast.get_docstring(c) or "").splitlines()[0].strip()
        for c in _checks(exercise)
        if "practice" in _markers(c) and "advisory" not in _markers(c)
    ]
    text = (exercise.folder / "README.md").read_text(encoding="utf-8")
    assert "## Objectifs et bonnes pratiques" in text
    section = text.split("## Objectifs et bonnes pratiques", 1)[1].split("\n## ", 1)[0]
    listed = [line[2:].strip() for line in section.splitlines() if line.startswith("- ")]
    assert listed == practice
    if not practice:
        assert "Toutes les vérifications notées sont des objectifs" in section


def test_the_check_names_read_from_the_source_are_those_the_variants_expect() -> None:
    """A course's `hidden:` is checked against `Exercise.check_names` (read without importing):
    every check a broken variant names must be there, shared and live ones included."""
    import yaml

    catalogue = Catalogue.load()
    for exercise in catalogue:
        names = set(exercise.check_names())
        for expect in exercise.variants.glob("*/expect.yaml"):
            data = yaml.safe_load(expect.read_text()) or {}
            named = {n for key in ("failed", "not_attempted") for n in (data.get(key) or {})}
            assert named <= names, (exercise.id, expect.parent.name, named - names)
    titles = catalogue.get("ex11").check_titles("en")
    assert titles["test_manifests_parse"] and titles["test_pod_is_running_and_ready_live"]


def test_the_runner_hands_the_child_its_exercises_so_the_catalogue_is_read_once(
    tmp_path: Path,
) -> None:
    from grader.grading import handoff

    catalogue = Catalogue.load()
    chosen = [catalogue.get("ex12"), catalogue.get("ex2")]
    path = tmp_path / "exercises.json"
    assert handoff.write(path, chosen, [Pack("maison", tmp_path)])
    handed = handoff.read(path)
    assert list(handed) == sorted(chosen, key=lambda e: e.number)  # every field, in order
    assert handed.packs == [Pack("maison", tmp_path.resolve())]
    assert handed.get("ex12").params == {"replicas": 3, "scaled": 5, "ready_seconds": 120}
    dated = dataclasses.replace(chosen[0], params={"opens": dt.date(2026, 12, 1)})
    assert not handoff.write(tmp_path / "dated.json", [dated], [])  # the child reads it itself
    assert not (tmp_path / "dated.json").exists()
