"""The grader's layers point one way. Each module belongs to a layer; a module imports only from
its own layer or a lower one, and no two modules or packages import each other in a circle.

From the bottom up:

    grader, grader.paths   the version, where the grader's data lives
    grader.model           results, scoring, course, catalogue, hints, policy rules: plain data
    grader.containers      the Docker engine, Compose, images and stand-ins, HTTP probing, limits
    grader.k8s             the cluster, manifests, the manifests' policy (uses containers)
    grader.grading         the pytest side: runner, plugin, fixtures, shared checks
    grader.authoring       the one face exercises import (re-exports the layers below)
    grader.reports         renderers of the one result model
    grader.teaching        new, selftest, init: tools for who writes exercises and courses
    grader.classroom       batch, journal, roster, gradebook, similarity
    grader.cli             the command line: its definition in grader.cli.parser, the commands
                           in grader.cli (and grader.__main__)

The imports are read, never run: `import` and `from … import` anywhere in a module (inside
functions too) and `importlib.import_module("…")` with a literal name. An import under
`if TYPE_CHECKING:` counts for the direction (it is still a dependency) but not for cycles (it
never runs). There are no known exceptions: every link goes down.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from tests.helpers.repos import ROOT

LAYERS = (
    ("grader", "grader.paths"),
    ("grader.model",),
    ("grader.containers",),
    ("grader.k8s",),
    ("grader.grading",),
    ("grader.authoring",),
    ("grader.reports",),
    ("grader.teaching",),
    ("grader.classroom",),
    ("grader.cli", "grader.__main__"),
)


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in (ROOT / "grader").rglob("*.py")}


def _type_checking_only(tree: ast.Module) -> set[ast.AST]:
    """The nodes under `if TYPE_CHECKING:` (imports for the type checker only)."""
    guarded: set[ast.AST] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.body:
                guarded |= set(ast.walk(child))
    return guarded


def _targets(module: str, node: ast.AST, *, package: bool) -> Iterator[str]:
    """The grader modules `node` imports (a name imported from a package that is one of its
    modules counts as that module)."""
    if isinstance(node, ast.Import):
        yield from (alias.name for alias in node.names)
    elif isinstance(node, ast.ImportFrom):
        base = node.module or ""
        if node.level:
            here = module.split(".") if package else module.split(".")[:-1]
            base = ".".join(here[: len(here) - node.level + 1] + ([base] if base else []))
        for alias in node.names:
            yield f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base
    elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
        function = node.func
        name = function.attr if isinstance(function, ast.Attribute) else None
        name = function.id if isinstance(function, ast.Name) else name
        if name == "import_module" and isinstance(node.args[0].value, str):
            yield node.args[0].value


def imports(source: str, module: str, *, package: bool = False) -> list[tuple[str, bool]]:
    """What `module` imports of the grader: (module imported, only for the type checker)."""
    tree = ast.parse(source)
    guarded = _type_checking_only(tree)
    return [
        (target, node in guarded)
        for node in ast.walk(tree)
        for target in _targets(module, node, package=package)
        if target.split(".")[0] == "grader"
    ]


def _graph() -> dict[str, list[tuple[str, bool]]]:
    return {
        name: imports(path.read_text(encoding="utf-8"), name, package=path.stem == "__init__")
        for name, path in MODULES.items()
    }


def layer(module: str) -> int:
    """The rank of the layer `module` belongs to (the longest name that contains it)."""
    ranks = [
        (len(prefix), rank)
        for rank, prefixes in enumerate(LAYERS)
        for prefix in prefixes
        if module == prefix or module.startswith(prefix + ".")
    ]
    assert ranks, f"{module} is in no layer: add it to LAYERS (and to the docstring)"
    return max(ranks)[1]


def _package(module: str) -> str:
    """`grader.k8s.kube` → `grader.k8s`; a top-level module is its own package."""
    return ".".join(module.split(".")[:2])


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one node (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in sorted(edges.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = stack[stack.index(node) :]
            del stack[stack.index(node) :]
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_every_module_of_the_grader_belongs_to_a_layer() -> None:
    assert len(MODULES) > 80
    assert all(layer(module) >= 0 for module in MODULES)


def test_no_module_imports_from_a_layer_above_its_own() -> None:
    upward = [
        f"{source} ({LAYERS[layer(source)][0]}) imports {target} ({LAYERS[layer(target)][0]})"
        for source, targets in _graph().items()
        for target, _ in targets
        if layer(target) > layer(source)
    ]
    assert upward == []


def test_no_two_packages_import_each_other_in_a_circle() -> None:
    edges: dict[str, set[str]] = {}
    for source, targets in _graph().items():
        for target, type_only in targets:
            if not type_only and _package(source) != _package(target):
                edges.setdefault(_package(source), set()).add(_package(target))
    assert _cycles(edges) == []


def test_no_two_modules_import_each_other_in_a_circle() -> None:
    edges: dict[str, set[str]] = {}
    for source, targets in _graph().items():
        for target, type_only in targets:
            if not type_only and source != target:
                edges.setdefault(source, set()).add(target)
    assert _cycles(edges) == []


def test_the_reader_sees_imports_in_functions_relative_ones_and_import_module() -> None:
    source = (
        "import os\n"
        "from grader.model import hints\n"
        "from . import checks\n"
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from grader.cli import main\n"
        "def late():\n"
        "    from grader.authoring import hint\n"
        "    return importlib.import_module('grader.classroom.batch')\n"
    )
    assert sorted(imports(source, "grader.grading.plugin")) == [
        ("grader.authoring", False),
        ("grader.classroom.batch", False),
        ("grader.cli", True),
        ("grader.grading.checks", False),
        ("grader.model.hints", False),
    ]


def test_a_new_upward_import_is_found() -> None:
    graph = imports("def f():\n    from grader.grading import runner\n", "grader.model.results")
    assert [target for target, _ in graph if layer(target) > layer("grader.model.results")] == [
        "grader.grading.runner"
    ]


def test_a_circle_is_found() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
