"""The publishing commands a student hands in (`docker build -t`, `docker tag`, `docker push`,
`docker login`), read as text and never executed, then replayed by the grader itself.

`read_plan` finds the commands in the folder's scripts or Markdown code blocks
(`grader.containers.run_commands`: prompts, `sudo`, continuations, `&&`), expands the
variables the file sets (`VERSION=1.0`, `export IMAGE=…`) and GitLab's predefined ones
(`$CI_REGISTRY_IMAGE`: from the job's environment, else an example value), and keeps, in
order, the steps the engine would take. `replay` plays them as the Docker client does: the
image built from the submission's Dockerfile gets every `-t` name, `docker tag` copies a name
the commands made, `docker push` without a tag pushes `latest` only and fails for a tag that
does not exist locally. Pushes to the course's registry go to a local one instead (the names
are the student's, the host is mapped); pushes elsewhere (Docker Hub) are noted, not made.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from grader.containers import gitlab_ci, references
from grader.containers.references import InvalidReference, Reference
from grader.containers.run_commands import (
    RunCommand,
    docker_argv,
    find_commands,
    without_redirections,
)

ANY = re.compile(r"\S")
ASSIGNMENT = re.compile(r"^(?:export\s+|set\s+|\$env:)?([A-Za-z_]\w*)=(.*)$")
VARIABLE = re.compile(r"\$(?:\{([A-Za-z_]\w*)(?::?-([^}]*))?\}|([A-Za-z_]\w*))")
SUBSTITUTION = re.compile(r"\$\(|`")
PUBLISH_FILES = ("publish.sh",)  # read first; then any script, then the Markdown files
# A `.gitlab-ci.yml` in the folder is read too: its jobs' scripts, variables first (gitlab_ci).
# GitLab's predefined variables where no job defines them: an example project.
EXAMPLE = {
    "CI_PROJECT_PATH": "groupe/projet",
    "CI_COMMIT_SHORT_SHA": "1a2b3c4d",
    "CI_COMMIT_SHA": "1a2b3c4d" * 5,
    "CI_COMMIT_TAG": "1.0.0",
    "CI_COMMIT_REF_SLUG": "main",
    "CI_COMMIT_REF_NAME": "main",
    "CI_REGISTRY_USER": "gitlab-ci-token",
    "CI_JOB_TOKEN": "jeton",
    "CI_REGISTRY_PASSWORD": "jeton",
}
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

    @property
    def where(self) -> str:
        return f"{self.command.file}:{self.command.line}"


@dataclass(frozen=True)
class Plan:
    file: str | None  # the file the commands come from
    steps: list[Step]

    @property
    def pushes(self) -> list[Step]:
        return [s for s in self.steps if "push" in (s.kind, s.verb) or s.push]


def course_variables(registry: str, environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """GitLab's registry variables: the job's own when set, else the course registry's example."""
    env = os.environ if environ is None else environ
    found = {k: v for k, v in EXAMPLE.items()}
    found["CI_REGISTRY"] = registry
    found["CI_REGISTRY_IMAGE"] = f"{registry}/{EXAMPLE['CI_PROJECT_PATH']}"
    found |= {k: env[k] for k in [*EXAMPLE, "CI_REGISTRY", "CI_REGISTRY_IMAGE"] if env.get(k)}
    return found


def read_plan(folder: Path, *, variables: Mapping[str, str]) -> Plan:
    """The publishing steps of the first file that pushes (`publish.sh` first), else of the
    first file with docker commands."""
    commands = find_commands(folder, pattern=ANY, pick=_words)
    ci = gitlab_ci.find(folder)
    if ci is not None:
        commands += gitlab_ci.commands(ci, pattern=ANY, pick=_words)
    files = sorted({c.file for c in commands}, key=lambda f: (f not in PUBLISH_FILES, f))
    plans = [_plan(f, [c for c in commands if c.file == f], variables) for f in files]
    plans = [p for p in plans if p.steps]
    chosen = next((p for p in plans if p.pushes), plans[0] if plans else None)
    return chosen or Plan(None, [])


def _words(words: list[str]) -> list[str] | None:
    return words or None


def _plan(file: str, commands: list[RunCommand], variables: Mapping[str, str]) -> Plan:
    known = dict(variables)
    steps: list[Step] = []
    for command in commands:
        if command.error:
            steps.append(Step("error", command, error="unreadable", detail=command.error))
            continue
        words = without_redirections(command.argv)
        assigned = ASSIGNMENT.match(" ".join(words)) if len(words) <= 2 else None
        if assigned and (len(words) == 1 or words[0] in ("export", "set")):
            known[assigned[1]] = _expand(assigned[2].strip("'\""), known)[0]
            continue
        docker = _docker_words(words)
        if docker is None:
            continue
        step = _step(command, docker, known)
        if step is not None:
            steps.append(step)
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
        elif word in BUILD_VALUED:
            index += 1
        index += 1
    return Step("build", command, names=tags, push=push)


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
