"""Similar submissions, flagged for a teacher to look at (never a verdict).

Each submission's Dockerfiles, Compose files and manifests become a set of *features*, with
what a copier changes first normalised away:
- comments, blank lines, whitespace and letter case of instructions;
- ordering: features are a set, lists inside YAML are unordered, `&&` chains are split;
- names: service, volume, network and object names (and references to them) become `<name>`.

Features that most of the class shares (the statement's boilerplate, the obvious answer) are
left out; two submissions are flagged when what remains is mostly shared (Jaccard index ≥
`threshold`) and at least `min_shared` features are shared. Short exercises with one obvious
answer are therefore rarely flagged: their copies cannot be told from honest work.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path
from typing import Any

import yaml

from grader.containers.dockerfile import instructions

MAX_FILE_BYTES = 64_000
MAX_FILES = 200  # an exercise folder holds a handful of files; more is not read
YAML_SUFFIXES = (".yaml", ".yml")


def features(folder: Path) -> list[str]:
    """The normalised features of the Dockerfiles and YAML files in `folder` (sorted)."""
    found: set[str] = set()
    if not folder.is_dir():
        return []
    for path in _files(folder):
        if path.is_symlink() or not path.is_file():
            continue
        if path.stat().st_size > MAX_FILE_BYTES:
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        if path.name.lower().startswith("dockerfile") or path.suffix == ".dockerfile":
            found |= dockerfile_features(text)
        elif path.suffix in YAML_SUFFIXES:
            found |= yaml_features(text)
    return sorted(found)


def _files(folder: Path) -> list[Path]:
    """The first MAX_FILES files under `folder` (symlinked folders and `.git` not entered)."""
    found: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if d != ".git")
        found += [Path(dirpath) / name for name in sorted(filenames)]
        if len(found) >= MAX_FILES:
            break
    return found[:MAX_FILES]


def dockerfile_features(text: str) -> set[str]:
    """One feature an instruction, read as Docker reads it
    (`grader.containers.dockerfile.instructions`); a RUN gives one a command (here-documents'
    lines included), words in sorted order."""
    found = set()
    for step in instructions(text):
        if step.keyword == "RUN":
            for command in re.split(r"\s*(?:&&|;|\|\||\n)\s*", step.text):
                if command.strip():
                    found.add("RUN " + " ".join(sorted(command.split())))
            continue
        found.add(f"{step.keyword} {' '.join(step.args.split())}")
        for body in step.heredocs:  # a file a COPY writes: its lines
            found |= {
                f"{step.keyword} << {' '.join(line.split())}"
                for line in body.splitlines()
                if line.strip()
            }
    return found


NAMED_SECTIONS = ("services", "volumes", "networks", "configs", "secrets")


def yaml_features(text: str) -> set[str]:
    try:
        documents = [d for d in yaml.safe_load_all(text) if d is not None]
    except yaml.YAMLError:
        return {" ".join(line.split()) for line in text.splitlines() if line.strip()}
    names = set()
    for document in documents:
        if isinstance(document, dict):
            for section in NAMED_SECTIONS:
                if isinstance(document.get(section), dict):
                    names |= {str(k) for k in document[section]}
            metadata = document.get("metadata")
            if isinstance(metadata, dict) and metadata.get("name"):
                names.add(str(metadata["name"]))
    found: set[str] = set()
    for document in documents:
        _flatten(document, "", names, found)
    return found


def _flatten(value: Any, path: str, names: set[str], found: set[str]) -> None:
    if path.endswith(("environment", "labels", "args")) and isinstance(value, list):
        value = dict(str(item).partition("=")[::2] for item in value)  # KEY=value → mapping
    if isinstance(value, dict) and value:
        for key, item in value.items():
            key = "<name>" if str(key) in names else str(key)
            _flatten(item, f"{path}.{key}" if path else key, names, found)
    elif isinstance(value, list):
        for item in value:
            _flatten(item, path + "[]", names, found)
    else:
        text = "" if value is None or value == {} else " ".join(str(value).split())
        for name in sorted(names, key=len, reverse=True) if not path.endswith("image") else []:
            text = re.sub(rf"(?<![\w-]){re.escape(name)}(?![\w-])", "<name>", text)
        found.add(f"{path}={text}")


@dataclass
class Pair:
    exercise: str
    first: str
    second: str
    score: float  # Jaccard index of the distinctive features
    shared: list[str]


def similar_pairs(
    submissions: dict[str, dict[str, list[str]]],
    *,
    threshold: float = 0.75,
    min_shared: int = 4,
    common_share: float = 0.5,
) -> list[Pair]:
    """`submissions`: student → exercise → features. Pairs to review, most similar first."""
    pairs = []
    exercises = sorted({e for by_ex in submissions.values() for e in by_ex})
    for exercise in exercises:
        sets = {s: set(f[exercise]) for s, f in submissions.items() if f.get(exercise)}
        counts = Counter(feature for found in sets.values() for feature in found)
        common = {f for f, n in counts.items() if n >= 3 and n > common_share * len(sets)}
        distinct = {s: found - common for s, found in sets.items()}
        for first, second in combinations(sorted(distinct), 2):
            a, b = distinct[first], distinct[second]
            shared = a & b
            if len(shared) < min_shared:
                continue
            score = len(shared) / len(a | b)
            if score >= threshold:
                pairs.append(Pair(exercise, first, second, round(score, 2), sorted(shared)))
    return sorted(pairs, key=lambda p: (-p.score, p.exercise, p.first, p.second))
