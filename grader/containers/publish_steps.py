"""The publishing commands of one file read into steps (`grader.containers.publish` says
which files): `docker build -t`, `docker tag`, `docker push`, `docker login`, with the variables
the file sets (`VERSION=1.0`, `export IMAGE=…`) and the ones given expanded, and the folder a
`cd` went to before each; a step that cannot be read as the engine would is an "error" step
(an unknown variable, a `$(…)`), the hint of its command.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from grader.containers import references
from grader.containers.references import InvalidReference, Reference
from grader.containers.run_commands import RunCommand, docker_argv, without_redirections

ASSIGNMENT = re.compile(r"^(?:export\s+|set\s+|\$env:)?([A-Za-z_]\w*)=(.*)$")
VARIABLE = re.compile(r"\$(?:\{([A-Za-z_]\w*)(?::?-([^}]*))?\}|([A-Za-z_]\w*))")
SUBSTITUTION = re.compile(r"\$\(|`")

BUILD_VALUED = frozenset(
    {
        "-f",
        "--file",
        "--build-arg",
        "--target",
        "--platform",
        "--network",
        "--label",
        "--cache-from",
        "--cache-to",
        "-o",
        "--output",
        "--progress",
        "--secret",
        "--ssh",
        "--iidfile",
        "--add-host",
        "--shm-size",
        "-m",
        "--memory",
        "--memory-swap",
        "--cpu-shares",
        "-c",
        "--cpuset-cpus",
        "--cpu-quota",
        "--cpu-period",
        "--ulimit",
        "--isolation",
        "--builder",
        "--metadata-file",
        "--annotation",
        "--attest",
        "--allow",
    }
)


@dataclass(frozen=True)
class Step:
    kind: str  # "build", "tag", "push", "login", "error"
    command: RunCommand
    names: list[str] = field(default_factory=list)  # build: -t; tag: [src, dst]; push: [ref]
    all_tags: bool = False  # push -a / --all-tags
    push: bool = False  # buildx build --push
    literal_password: bool = False  # login -p/--password with a value written in the file
    error: str = ""  # kind "error": the hint key's suffix
    detail: str = ""
    verb: str = ""  # kind "error": the command it was ("push"…)
    context: str = ""  # build: the context given (".", "ex16")
    dockerfile: str = ""  # build: -f/--file
    cwd: str = ""  # where a `cd` before it went ("" where the file runs)

    @property
    def where(self) -> str:
        return f"{self.command.file}:{self.command.line}"


@dataclass(frozen=True)
class Plan:
    file: str | None  # the file the commands come from ("build.sh + push.sh": in that order)
    steps: list[Step]
    ambiguous: tuple[str, ...] = ()  # scripts whose order is not known: steps not replayable

    @property
    def pushes(self) -> list[Step]:
        return [s for s in self.steps if "push" in (s.kind, s.verb) or s.push]

    @property
    def builds(self) -> bool:
        return any("build" in (s.kind, s.verb) for s in self.steps)

    def kinds(self) -> set[str]:
        """The steps it takes, build, tag and push (login alone when it does nothing else)."""
        found = {k for s in self.steps for k in (s.kind, s.verb) if k in ("build", "tag", "push")}
        found |= {"push" for s in self.steps if s.push}
        return found or {s.kind for s in self.steps if s.kind == "login"}


def plan_of(file: str, commands: list[RunCommand], variables: Mapping[str, str]) -> Plan:
    known = dict(variables)
    steps: list[Step] = []
    cwd = ""
    for command in commands:
        if command.error:
            steps.append(Step("error", command, error="unreadable", detail=command.error))
            continue
        words = without_redirections(command.argv)
        if words[:1] in (["cd"], ["pushd"]) and len(words) == 2 and words[1] != "-":
            cwd = posixpath.normpath(posixpath.join(cwd or ".", _expand(words[1], known)[0]))
            continue
        assigned = ASSIGNMENT.match(" ".join(words)) if len(words) <= 2 else None
        if assigned and (len(words) == 1 or words[0] in ("export", "set")):
            known[assigned[1]] = _expand(assigned[2].strip("'\""), known)[0]
            continue
        docker = _docker_words(words)
        if docker is None:
            continue
        step = _step(command, docker, known)
        if step is not None:
            steps.append(replace(step, cwd=cwd) if cwd else step)
    return Plan(file, steps)


def _docker_words(words: list[str]) -> list[str] | None:
    rest = docker_argv(words)
    if rest is None:
        return None
    if rest[:1] in (["image"], ["buildx"], ["builder"]) and rest[1:2]:
        rest = rest[1:]
    return rest


def _expand(text: str, known: Mapping[str, str]) -> tuple[str, list[str]]:
    """`text` with `$NAME`, `${NAME}` and `${NAME:-default}` replaced; the names unknown."""
    unknown: list[str] = []

    def value(match: re.Match[str]) -> str:
        name = match[1] or match[3]
        if name in known:
            return known[name]
        if match[2] is not None:
            return match[2]
        unknown.append(name)
        return match[0]

    return VARIABLE.sub(value, text), unknown


def _step(command: RunCommand, words: list[str], known: Mapping[str, str]) -> Step | None:
    verb, args = words[0].lower() if words else "", words[1:]
    if verb not in ("build", "tag", "push", "login"):
        return None
    expanded: list[str] = []
    for word in args:
        if SUBSTITUTION.search(word):
            return Step("error", command, error="substitution", detail=word, verb=verb)
        text, unknown = _expand(word, known)
        if unknown:
            return Step("error", command, error="undefined_variable", detail=unknown[0], verb=verb)
        expanded.append(text)
    if verb == "build":
        return _build(command, expanded)
    if verb == "login":
        literal = _login_password(args)
        return Step(
            "login",
            command,
            names=[w for w in expanded if not w.startswith("-")][-1:],
            literal_password=literal,
        )
    operands = [w for w in expanded if not w.startswith("-")]
    if verb == "tag":
        return Step("tag", command, names=operands[:2]) if len(operands) >= 2 else None
    every = any(w in ("-a", "--all-tags") for w in expanded)
    return Step("push", command, names=operands[:1], all_tags=every) if operands else None


def _build(command: RunCommand, args: list[str]) -> Step:
    tags: list[str] = []
    push = False
    context = dockerfile = ""
    index = 0
    while index < len(args):
        word = args[index]
        if word in ("-t", "--tag") and index + 1 < len(args):
            tags.append(args[index + 1])
            index += 1
        elif word.startswith("--tag="):
            tags.append(word.split("=", 1)[1])
        elif word.startswith("-t") and len(word) > 2 and not word.startswith("--"):
            tags.append(word[2:].lstrip("="))
        elif word == "--push" or word.replace(" ", "") in ("--output=type=registry",):
            push = True
        elif word in ("-f", "--file") and index + 1 < len(args):
            dockerfile = args[index + 1]
            index += 1
        elif word.startswith("--file="):
            dockerfile = word.split("=", 1)[1]
        elif word in BUILD_VALUED:
            index += 1
        elif not word.startswith("-"):
            context = word
        index += 1
    return Step("build", command, names=tags, push=push, context=context, dockerfile=dockerfile)


def _login_password(args: list[str]) -> bool:
    """A password written in the file (`-p secret`), not read from a variable or stdin."""
    for index, word in enumerate(args):
        value = None
        if word in ("-p", "--password") and index + 1 < len(args):
            value = args[index + 1]
        elif word.startswith("--password="):
            value = word.split("=", 1)[1]
        elif word.startswith("-p") and len(word) > 2 and not word.startswith("--"):
            value = word[2:]
        if value is not None and not VARIABLE.fullmatch(value.strip("'\"")):
            return True
    return False


def parse_reference(text: str) -> Reference | InvalidReference:
    try:
        return references.parse(text)
    except InvalidReference as error:
        return error
