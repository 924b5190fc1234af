"""The order of a student's publishing scripts when the commands are split over several
(`build.sh`, then `push.sh`): read as text, never executed (issue 23, item 6).

The order the folder gives comes first: a `Makefile` target whose recipes, its prerequisites
first, call the scripts (`publish: build push`, `$(MAKE) push`); the folder's `README.md`,
its code blocks, else its text (`./build.sh` then `./push.sh`); a script that calls the
others; or a job of the repository's `.gitlab-ci.yml` that does (`cd ex16 && ./build.sh &&
./push.sh`). Else the natural order build → tag → push, only when it is the one order the scripts
allow: each does its own part of it (`build.sh` builds and tags, `push.sh` logs in and
pushes). Two scripts that both only build, or one that builds and pushes next to one that
tags, are ambiguous: None.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from grader.containers.run_commands import MAX_FILE_BYTES, SCRIPTS, fenced_blocks, read_capped

RANKS = {"build": 0, "tag": 1, "login": 2, "push": 3}  # the natural order of the steps
MAKEFILES = ("Makefile", "makefile", "GNUmakefile")
RULE = re.compile(r"^([^\s:=#][^:=#]*?)\s*::?(?![=])(.*)$")
SUB_MAKE = re.compile(r"(?:\$[({]MAKE[)}]|\bmake)\s+(?:-\S+\s+)*([\w.-]+)")
MAX_DEPTH = 10  # of a Makefile's prerequisites
MAX_ENTRIES = 2000  # of the folder, looked at


def given_order(
    folder: Path, scripts: Sequence[str], *, also: Sequence[str] = ()
) -> list[str] | None:
    """`scripts` (two at least) in the order a Makefile, the README or a calling script of
    `folder` gives, else one of the texts `also` (the root `.gitlab-ci.yml`'s jobs that run
    the folder's scripts); None when none names two of them."""
    for text in itertools.chain(_sources(folder, scripts), also):
        order = mentions(text, scripts)
        if len(order) >= 2:
            return order
    return None


def natural_order(kinds: Mapping[str, set[str]]) -> list[str] | None:
    """The scripts sorted build → tag → push (`kinds`: the steps each takes), None when no
    order or another one fits as well: each script's part of build → tag → push starts where
    the one before ended or later (`build.sh` builds and tags, `push.sh` tags and pushes),
    and no two take the one same step alone (two scripts that only build)."""
    spans = {
        name: (min(RANKS[k] for k in ks), max(RANKS[k] for k in ks))
        for name, ks in kinds.items()
        if ks
    }
    if len(spans) != len(kinds):
        return None
    ordered = sorted(spans, key=lambda name: spans[name])
    for before, after in itertools.pairwise(spans[name] for name in ordered):
        if before[1] > after[0] or before == after == (after[0], after[0]):
            return None
    return ordered


def mentions(text: str, scripts: Sequence[str]) -> list[str]:
    """The scripts `text` runs or names (`./build.sh`, `sh push.sh`, `` `tag.sh` ``), in the
    order of their first mention."""
    found = {}
    for name in scripts:
        match = re.search(rf"(?<![\w/.-])(?:\./)?{re.escape(name)}(?![\w.-])", text)
        if match:
            found[name] = match.start()
    return sorted(found, key=lambda name: found[name])


def _sources(folder: Path, scripts: Sequence[str]) -> Iterator[str]:
    """The texts that may give the order, the most explicit first."""
    files = _files(folder)
    for path in files:
        if path.name in MAKEFILES:
            yield _make_order(_text(path), scripts)
    for path in files:
        if path.name.lower() == "readme.md":
            text = _text(path)
            yield "\n".join(line for block in fenced_blocks(text) for _, line in block)
            yield text
    for path in files:
        if path.suffix.lower() in SCRIPTS and path.name not in scripts:
            yield _text(path)


def _files(folder: Path) -> list[Path]:
    try:
        return sorted(itertools.islice(folder.iterdir(), MAX_ENTRIES))
    except OSError:
        return []


def _text(path: Path) -> str:
    return read_capped(path, MAX_FILE_BYTES).decode("utf-8", "replace")


def _make_order(text: str, scripts: Sequence[str]) -> str:
    """The recipes of the Makefile's target that runs the most scripts, each target's
    prerequisites first, as one text (make's order)."""
    rules: dict[str, tuple[list[str], list[str]]] = {}
    current: list[str] | None = None
    for line in text.replace("\r\n", "\n").replace("\\\n", " ").splitlines():
        if line.startswith("\t") and current is not None:
            current.append(line)
            continue
        rule = RULE.match(line)
        if rule is None:
            current = None if line.strip() and not line.startswith("#") else current
            continue
        deps, _, inline = rule[2].partition(";")
        current = [inline]
        for target in rule[1].split():
            rules.setdefault(target, (deps.split(), current))
    texts = [_expand(target, rules, 0) for target in rules if not target.startswith(".")]
    return max(texts, key=lambda t: len(mentions(t, scripts)), default="")


def _expand(target: str, rules: Mapping[str, tuple[list[str], list[str]]], depth: int) -> str:
    if target not in rules or depth > MAX_DEPTH:
        return ""
    deps, recipe = rules[target]
    parts = [_expand(d, rules, depth + 1) for d in deps]
    for line in recipe:
        called = [_expand(t, rules, depth + 1) for t in SUB_MAKE.findall(line)]
        parts += [*called, line]
    return "\n".join(parts)
