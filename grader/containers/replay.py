"""The publishing steps a student wrote (`grader.containers.publish`), played by the grader on
the engine as the Docker client would, against a local registry standing for the course's.

The names are the student's; only the registry's host is mapped (`registry.gitlab.com/g/p/
cowsay:1.0` is pushed as `127.0.0.1:<port>/g/p/cowsay:1.0`). The image behind every name is
the one the grader built from the submitted Dockerfile (or, for `docker tag ubuntu …`, the
Dockerfile's base image): what is pushed is known, never taken from the student's word. The
mapped tags are removed by `Replay.clean`, always called by the fixture that replays.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import docker.errors

from grader.containers.engine import Client
from grader.containers.publish_steps import Plan, Step, parse_reference
from grader.containers.references import InvalidReference, Reference
from grader.model.output import cap

PROBLEMS = (
    "unreadable",
    "substitution",
    "undefined_variable",
    "invalid_reference",
    "unknown_source",
    "no_local_tag",
    "push_failed",
)


@dataclass(frozen=True)
class Pushed:
    step: Step
    reference: Reference  # as the student wrote it (the course's registry)
    local: Reference  # where it went: the local registry
    digest: str | None  # the manifest digest the push reported
    image_id: str


@dataclass(frozen=True)
class Problem:
    step: Step
    key: str  # one of PROBLEMS: the hint `<exercise>.problem_<key>`
    detail: str


@dataclass
class Replay:
    built: str  # the image ID built from the Dockerfile
    pushed: list[Pushed] = field(default_factory=list)
    elsewhere: list[tuple[Step, Reference]] = field(default_factory=list)  # not replayed
    problems: list[Problem] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)  # "repository:tag" → image ID
    made: list[str] = field(default_factory=list)  # tags made on the engine, removed by clean

    def tags_of(self, repository: str) -> list[str]:
        """The tags the commands gave `repository` locally (pushed or not)."""
        return sorted(k.rsplit(":", 1)[1] for k in self.names if k.rsplit(":", 1)[0] == repository)

    def clean(self, client: Client) -> None:
        for tag in self.made:
            with contextlib.suppress(docker.errors.APIError):
                client.images.remove(tag, noprune=True)
        self.made.clear()


def replay(
    plan: Plan,
    *,
    client: Client,
    built: str,
    registry: str,
    course_hosts: Iterable[str],
    bases: Mapping[str, str] | None = None,
) -> Replay:
    """Play `plan` on the engine; pushes to `course_hosts` go to the registry at `registry`."""
    result = Replay(built)
    hosts = {h.lower() for h in course_hosts}
    known = dict(bases or {})
    for step in plan.steps:
        if step.kind == "error":
            result.problems.append(Problem(step, step.error, step.detail))
        elif step.kind == "build":
            names = [_name(step, n, result) for n in step.names]
            result.names |= {str(n): built for n in names if n is not None}
            for name in names if step.push else []:
                if name is not None:
                    _push(step, name, result, client, registry, hosts)
        elif step.kind == "tag":
            _tag(step, result, known)
        elif step.kind == "push":
            _push_step(step, result, client, registry, hosts)
    return result


def _name(step: Step, text: str, result: Replay) -> Reference | None:
    found = parse_reference(text)
    if isinstance(found, InvalidReference):
        result.problems.append(Problem(step, "invalid_reference", f"{text}: {found}"))
        return None
    return found


def _tag(step: Step, result: Replay, bases: Mapping[str, str]) -> None:
    source, target = (_name(step, n, result) for n in step.names[:2])
    if source is None or target is None:
        return
    image = result.names.get(str(source)) or bases.get(str(source))
    if image is None:
        result.problems.append(Problem(step, "unknown_source", source.familiar()))
        return
    result.names[str(target)] = image


def _push_step(step: Step, result: Replay, client: Client, registry: str, hosts: set[str]) -> None:
    name = _name(step, step.names[0], result)
    if name is None:
        return
    if step.all_tags and ":" not in step.names[0].rsplit("/", 1)[-1]:
        targets = [name.with_tag(t) for t in result.tags_of(name.repository)]
    else:
        targets = [name]
    if not targets or str(targets[0]) not in result.names:
        result.problems.append(Problem(step, "no_local_tag", name.familiar()))
        return
    for target in targets:
        _push(step, target, result, client, registry, hosts)


def _push(
    step: Step, ref: Reference, result: Replay, client: Client, registry: str, hosts: set[str]
) -> None:
    image = result.names.get(str(ref))
    if image is None:
        result.problems.append(Problem(step, "no_local_tag", ref.familiar()))
        return
    if ref.domain.lower() not in hosts:
        result.elsewhere.append((step, ref))
        return
    local = ref.moved_to(registry)
    try:
        client.images.get(image).tag(local.repository, local.tag)
        result.made.append(str(local))
        digest, error = _stream(
            client.api.push(local.repository, tag=local.tag, stream=True, decode=True)
        )
    except docker.errors.APIError as failure:
        digest, error = None, str(failure.explanation or failure)
    if error:
        result.problems.append(Problem(step, "push_failed", cap(error, 500)))
        return
    result.pushed.append(Pushed(step, ref, local, digest, image))


def _stream(chunks: Iterable[dict[str, object]]) -> tuple[str | None, str | None]:
    digest = error = None
    for chunk in chunks:
        aux = chunk.get("aux")
        if isinstance(aux, dict) and aux.get("Digest"):
            digest = str(aux["Digest"])
        if chunk.get("error"):
            error = str(chunk["error"])
    return digest, error
