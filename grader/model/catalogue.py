"""The exercise catalogue: each folder `<id>_<slug>/` with its `exercise.yaml`.

Ours are in `exercises/`. A teacher adds their own without forking, as **packs**: a folder of
exercise folders of the same shape (`--exercises DIR`, or `$GRADER_EXERCISES`, several joined
by `:`), or an installed package that declares one in the entry point group
`grader.exercises` (the value names a module whose folder holds the exercises, or a function
returning that folder). A pack's exercise whose id is already taken is named `<pack>-<id>`;
one whose checks import anything of the grader but `grader.authoring` is refused, with why.
"""

from __future__ import annotations

import ast
import contextlib
import functools
import importlib
import os
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from grader.model.hints import SAFE_LOADER, Messages
from grader.paths import exercises_dir, grader_source, messages_file

_FOLDER = re.compile(r"^([a-z][a-z0-9]*)_[a-z0-9_]+$")
BUILT_IN = "built-in"
PACKS_VARIABLE = "GRADER_EXERCISES"
ENTRY_POINTS = "grader.exercises"


class CatalogueError(Exception):
    """An exercise folder is malformed (a problem of the grader, not of a student)."""


@dataclass(frozen=True)
class Check:
    """A check as its module declares it: read from the source, never imported."""

    name: str
    doc: str | None  # its docstring: the title, and an `en:` line
    points: float  # its `@pytest.mark.points(n)`
    live: bool = False  # marked `live`: graded by `--live`


@dataclass(frozen=True)
class Exercise:
    id: str
    folder: Path
    title: dict[str, str]
    needs: tuple[str, ...]
    submission: str
    version: str = "1"
    modes: tuple[str, ...] = ("files",)
    timeout: int = 300
    params: dict[str, Any] = field(default_factory=dict, hash=False)  # exercise settings
    origin: str = BUILT_IN  # or the pack it comes from
    local_id: str = ""  # the id its exercise.yaml gives (its checks' hint keys start with it)

    def title_in(self, lang: str) -> str:
        return self.title.get(lang) or self.title["fr"]

    @property
    def points(self) -> float:
        """Its total: what its checks' `points` markers add up to (the one source), in its
        first mode (`files`, or `live` for an exercise graded live only)."""
        return self.points_in(self.modes[0] if self.modes else "files")

    def points_in(self, mode: str) -> float:
        """The total of `mode`: its checks marked `live` for `--live` (Kubernetes: what is
        deployed is graded by the live checks only), the others for the files."""
        if mode not in self.modes:
            return self.points
        total = sum(c.points for c in self.checks.values() if c.live == (mode == "live"))
        return int(total) if float(total).is_integer() else total

    @property
    def check_modules(self) -> list[Path]:
        return sorted(self.folder.glob("test_*.py"))

    @functools.cached_property
    def checks(self) -> dict[str, Check]:
        """Its checks, read from its modules without importing them: `def test_…`, the shared
        checks it takes (`test_x = authoring.…`, read from the grader module that writes
        them) and `test_x_live = authoring.also_live(test_x)`."""
        found: dict[str, Check] = {}
        for module in self.check_modules:
            try:
                tree = ast.parse(module.read_text(encoding="utf-8"))
            except (OSError, SyntaxError, ValueError):
                continue
            for node in tree.body:
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    if node.name.startswith("test_"):
                        found[node.name] = _check(node)
                elif isinstance(node, ast.Assign):
                    for target in node.targets:
                        if isinstance(target, ast.Name) and target.id.startswith("test_"):
                            found[target.id] = _assigned(target.id, node.value, found)
        return found

    def check_names(self) -> list[str]:
        """Its checks' names (a course's `hidden:` names them)."""
        return list(self.checks)

    def check_titles(self, lang: str = "fr") -> dict[str, str]:
        """Its checks' names and titles in `lang` (from their docstrings)."""
        return {name: title(check.doc, lang) for name, check in self.checks.items()}

    @property
    def variants(self) -> Path:
        """Where its broken variants are: `variants/<mistake>/` in its folder, ours as a pack's
        (shipped in the wheel with the rest of the exercise)."""
        return self.folder / "variants"

    @property
    def number(self) -> int:
        digits = re.search(r"\d+$", self.local_id or self.id)
        return int(digits.group()) if digits else 0

    @property
    def key_prefix(self) -> str:
        """What its hint keys start with: `ex1` in `hint("ex1.no_cow")`."""
        return self.local_id or self.id


def titles(doc: str | None) -> tuple[str, str | None]:
    """A check's French and English titles from its docstring: the first line, and its `en:`
    line ("" and None when it has none). The one reading of titles (catalogue, plugin)."""
    lines = [line.strip() for line in (doc or "").strip().splitlines() if line.strip()]
    english = next((line[3:].strip() for line in lines if line.startswith("en:")), None)
    return (lines[0] if lines else ""), english


def title(doc: str | None, lang: str) -> str:
    """A check's title in `lang`: its `en:` line in English when it has one, else the first."""
    french, english = titles(doc)
    return english if lang == "en" and english else french


def _check(node: ast.FunctionDef | ast.AsyncFunctionDef) -> Check:
    points, live = 0.0, False
    for decorator in node.decorator_list:
        call = decorator if isinstance(decorator, ast.Call) else None
        target = call.func if call else decorator
        name = target.attr if isinstance(target, ast.Attribute) else ""
        if name == "points" and call and call.args:
            with contextlib.suppress(ValueError, TypeError):
                points = float(ast.literal_eval(call.args[0]))
        live = live or name == "live"
    return Check(node.name, ast.get_docstring(node), points, live)


def _assigned(name: str, value: ast.expr, known: dict[str, Check]) -> Check:
    """`test_x = authoring.test_y` (the shared check, read from the grader's source), or
    `test_x_live = authoring.also_live(test_x)` (test_x, marked live)."""
    if isinstance(value, ast.Call) and value.args and isinstance(value.args[0], ast.Name):
        taken = known.get(value.args[0].id)
        if taken is not None:
            live = isinstance(value.func, ast.Attribute) and value.func.attr == "also_live"
            return replace(taken, name=name, live=taken.live or live)
    if isinstance(value, ast.Attribute) and value.attr in _shared_checks():
        return replace(_shared_checks()[value.attr], name=name)
    return Check(name, None, 0.0)


def _source(module: str) -> ast.Module:
    return ast.parse(grader_source(module).read_text(encoding="utf-8"))


@functools.cache
def _shared_checks() -> dict[str, Check]:
    """The functions `grader.authoring` takes from the grader's modules (the shared checks),
    read from their source: the catalogue sits below the checks and never imports them."""
    docs: dict[str, Check] = {}
    for node in _source("grader.authoring").body:
        if not isinstance(node, ast.ImportFrom) or not (node.module or "").startswith("grader."):
            continue
        module = node.module or ""
        if not grader_source(module).is_file():
            continue
        functions = {
            f.name: _check(f)
            for f in _source(module).body
            if isinstance(f, ast.FunctionDef | ast.AsyncFunctionDef)
        }
        for alias in node.names:
            if alias.name in functions:
                docs[alias.asname or alias.name] = functions[alias.name]
    return docs


@functools.cache
def _authoring_names() -> frozenset[str]:
    """`grader.authoring.__all__`, read from its source (the catalogue never imports it)."""
    for node in _source("grader.authoring").body:
        if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == "__all__" for target in node.targets
        ):
            return frozenset(ast.literal_eval(node.value))
    return frozenset()


def load_exercise(folder: Path, origin: str = BUILT_IN) -> Exercise:
    match = _FOLDER.match(folder.name)
    if not match:
        raise CatalogueError(f"{folder}: folder name must look like ex1_cowsay (<id>_<slug>)")
    try:
        data = yaml.load((folder / "exercise.yaml").read_text(encoding="utf-8"), Loader=SAFE_LOADER)
        exercise = Exercise(
            id=data["id"],
            folder=folder,
            title=dict(data["title"]),
            needs=tuple(data.get("needs", ["docker"])),
            submission=str(data.get("submission", data["id"])),
            version=str(data.get("version", "1")),
            modes=tuple(data.get("modes", ["files"])),
            timeout=int(data.get("timeout", 300)),
            params=dict(data.get("params") or {}),
            origin=origin,
            local_id=str(data["id"]),
        )
    except (OSError, yaml.YAMLError, KeyError, TypeError, ValueError) as error:
        raise CatalogueError(f"{folder / 'exercise.yaml'}: {error}") from error
    if exercise.id != match.group(1):
        raise CatalogueError(f"{folder}: id {exercise.id!r} does not match the folder name")
    return exercise


@dataclass(frozen=True)
class Pack:
    name: str
    folder: Path

    def arg(self) -> str:
        return f"{self.name}={self.folder.resolve()}"

    @classmethod
    def from_arg(cls, value: str) -> Pack:
        name, _, folder = value.partition("=")
        return cls(name, Path(folder))


def packs(folders: Iterable[Path] = (), environ: dict[str, str] | None = None) -> list[Pack]:
    """The packs asked for: `folders` (--exercises), `$GRADER_EXERCISES`, installed ones."""
    environ = dict(os.environ) if environ is None else environ
    found = [Pack(f.resolve().name, f) for f in folders]
    found += [
        Pack(Path(f).resolve().name, Path(f))
        for f in environ.get(PACKS_VARIABLE, "").split(os.pathsep)
        if f
    ]
    for point in _installed():
        try:
            target = point.load()
        except Exception as error:  # a broken package: said, never fatal
            found.append(Pack(point.name, Path(f"<{point.value}: {error}>")))
            continue
        folder = Path(target.__file__).parent if hasattr(target, "__file__") else Path(target())
        found.append(Pack(point.name, folder))
    unique: dict[Path, Pack] = {}
    for pack in found:
        unique.setdefault(pack.folder.resolve(), pack)
    return list(unique.values())


@dataclass(frozen=True)
class _EntryPoint:
    """`name = module` or `name = module:attribute`, as `entry_points.txt` writes it."""

    name: str
    value: str

    def load(self) -> Any:
        module, _, attribute = self.value.partition(":")
        target: Any = importlib.import_module(module.strip())
        for part in filter(None, attribute.strip().split(".")):
            target = getattr(target, part)
        return target


def _installed() -> list[_EntryPoint]:
    """The entry points of the group `grader.exercises`. Read from the `entry_points.txt` files
    of the installed distributions that name the group, as `importlib.metadata` would, without
    parsing every distribution's metadata first (that took 70 ms of every command)."""
    import configparser

    found: list[_EntryPoint] = []
    seen: set[str] = set()
    header = f"[{ENTRY_POINTS}]"
    for entry in sys.path:
        try:
            listed = sorted(
                e.path
                for e in os.scandir(entry or ".")
                if e.name.endswith((".dist-info", ".egg-info"))
            )
        except OSError:
            continue
        for info in listed:
            try:
                with open(os.path.join(info, "entry_points.txt"), encoding="utf-8") as handle:
                    text = handle.read()
            except OSError:
                continue
            if header not in text:
                continue
            parser = configparser.ConfigParser(delimiters=("=",), interpolation=None)
            parser.optionxform = str  # type: ignore[assignment,method-assign]
            with contextlib.suppress(configparser.Error):
                parser.read_string(text)
            for name, value in parser[ENTRY_POINTS].items() if ENTRY_POINTS in parser else ():
                if name not in seen:
                    seen.add(name)
                    found.append(_EntryPoint(name, value.strip()))
    return found


def import_refusals(source: str) -> list[str]:
    """What an exercise module imports of the grader beyond `grader.authoring` (the rule every
    exercise is held to, ours by the tests, a pack's when it is loaded)."""
    problems = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "grader":
            names = [n.name for n in node.names]
            if node.module == "grader.authoring":
                problems += [
                    f"grader.authoring has no {n}" for n in names if n not in _authoring_names()
                ]
            elif not (node.module == "grader" and names == ["authoring"]):
                problems.append(f"imports {node.module} {', '.join(names)}")
        elif isinstance(node, ast.Import):
            inner = [n.name for n in node.names if n.name.split(".")[0] == "grader"]
            problems += [f"imports {name}" for name in inner if name != "grader.authoring"]
    return problems


def _pack_refusal(exercise: Exercise) -> str | None:
    for module in sorted(exercise.folder.glob("*.py")):
        try:
            problems = import_refusals(module.read_text(encoding="utf-8"))
        except (SyntaxError, ValueError, OSError):
            continue  # graded, and its error shown there (grader.grading.plugin)
        if problems:
            return (
                f"{module.name}: {problems[0]}: an exercise may import from grader.authoring "
                "only (see the README, Writing an exercise)"
            )
    return None


class Catalogue:
    def __init__(
        self,
        exercises: list[Exercise],
        refused: dict[str, str] | None = None,
        packs: Iterable[Pack] = (),
    ) -> None:
        self._by_id = {e.id: e for e in sorted(exercises, key=_order)}
        self.refused = refused or {}  # a pack's exercise (or folder) → why it is not loaded
        self.packs = list(packs)  # as loaded: the pytest child loads the same

    @classmethod
    def load(cls, root: Path | None = None, *, packs: Iterable[Pack] = ()) -> Catalogue:
        packs = list(packs)
        root = root or exercises_dir()
        folders = [p for p in root.iterdir() if (p / "exercise.yaml").is_file()]
        exercises = [load_exercise(p) for p in folders]
        refused: dict[str, str] = {}
        taken = {e.id for e in exercises}
        for pack in packs:
            for exercise, problem in _pack_exercises(pack):
                if exercise is None:
                    refused[f"{pack.name}/{problem[0]}"] = problem[1]
                    continue
                if exercise.id in taken:
                    exercise = _renamed(exercise, f"{pack.name}-{exercise.id}")
                refusal = _pack_refusal(exercise)
                if refusal:
                    refused[exercise.id] = refusal
                    continue
                taken.add(exercise.id)
                exercises.append(exercise)
        return cls(exercises, refused, packs)

    def __iter__(self) -> Iterator[Exercise]:
        return iter(self._by_id.values())

    def __contains__(self, exercise_id: object) -> bool:
        return exercise_id in self._by_id

    def get(self, exercise_id: str) -> Exercise:
        return self._by_id[exercise_id]

    def ids(self) -> list[str]:
        return list(self._by_id)

    def messages(self, exercise: Exercise | None = None) -> Messages:
        """The catalogue of messages: the common ones, and `exercise`'s own (every built-in
        exercise's when none is given). Each exercise's keys are its own, so that a pack's
        `ex3` never reads our ex3's messages."""
        chosen = [exercise] if exercise else [e for e in self if e.origin == BUILT_IN]
        sources = [("common", messages_file())]
        sources += [(e.key_prefix, e.folder / "messages.yaml") for e in chosen]
        return Messages.load(sources)


def _order(exercise: Exercise) -> tuple[bool, str, int, str]:
    return exercise.origin != BUILT_IN, exercise.origin, exercise.number, exercise.id


def _renamed(exercise: Exercise, new_id: str) -> Exercise:
    submission = exercise.submission if exercise.submission != exercise.local_id else new_id
    return replace(exercise, id=new_id, submission=submission)


def _pack_exercises(pack: Pack) -> Iterator[tuple[Exercise | None, tuple[str, str]]]:
    if not pack.folder.is_dir():
        yield None, (pack.folder.name, f"{pack.folder}: no such folder of exercises")
        return
    for folder in sorted(p for p in pack.folder.iterdir() if (p / "exercise.yaml").is_file()):
        try:
            yield load_exercise(folder, origin=pack.name), ("", "")
        except CatalogueError as error:
            yield None, (folder.name, str(error))
