"""Helpers for check authors: assertions shared by several exercises."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import docker.errors

from grader.containers import compose
from grader.containers.images import repository
from grader.grading.submission import SKIP_REASONS, Submission
from grader.model.hints import Hint, declared, hint
from grader.model.labels import from_kubelet
from grader.model.outcomes import NotAttempted

# `docker build DIR` reads DIR/Dockerfile, and DIR/dockerfile when there is no Dockerfile (the
# docker CLI's own fallback): both are a Dockerfile.
DOCKERFILE_NAMES = ("Dockerfile", "dockerfile")

HINT_KEYS = tuple(f"common.reason_{why}" for why in SKIP_REASONS)


def find_dockerfile(submission: Submission) -> Path | None:
    return next((submission.file(n) for n in DOCKERFILE_NAMES if submission.file(n)), None)


def missing_file_hint(submission: Submission, names: tuple[str, ...], key: str) -> Hint | None:
    """Why none of `names` is in the submission, or None when one of them is."""
    if not submission.exists:
        return hint("common.no_submission", folder=submission.source)
    if any(submission.file(n) for n in names):
        return None
    present = {p.name.lower(): p.name for p in submission.folder.iterdir()}
    for name in names:
        if name.lower() in present:
            return hint("common.wrong_case", found=present[name.lower()], expected=name)
        if name in submission.skipped:
            reason = hint(declared(f"common.reason_{submission.skipped[name]}", HINT_KEYS))
            return hint("common.file_skipped", file=name, reason=reason)
    for name in names:  # `Dockerfile.txt`: an editor added an extension
        extended = [v for k, v in present.items() if k.startswith(name.lower() + ".")]
        if extended and "." not in name:
            return hint("common.extra_extension", found=extended[0], expected=name)
    return hint(key, file=names[0], folder=submission.source)


def assert_present(submission: Submission, *names: str, key: str) -> Path:
    __tracebackhide__ = True
    problem = missing_file_hint(submission, names, key)
    assert problem is None, problem
    found = next(submission.file(n) for n in names if submission.file(n))
    assert found is not None
    return found


def assert_compose_valid(config: compose.Config, file: str = "compose.yaml") -> None:
    """The student's Compose file parses and `docker compose config` accepts it."""
    __tracebackhide__ = True
    problem = config.problem
    if problem is not None and problem.line is None:  # not text, or not a mapping at all
        raise AssertionError(hint("common.not_a_compose_file", file=file, problem=problem.message))
    assert problem is None, hint(
        "common.yaml_error",
        file=file,
        line=problem.line,
        column=problem.column,
        problem=problem.message,
    )
    assert config.ok, hint("common.compose_rejected", error=config.error)


def port_hint(mappings: list[tuple[str | None, str | None]], host: str, target: str) -> Hint | None:
    """Why (host, container) port mappings miss host → target, or None when one is right."""
    if (host, target) in mappings:
        return None
    if (target, host) in mappings:
        return hint("common.reversed_mapping", host=host, target=target)
    if not mappings:
        return hint("common.no_ports", host=host, target=target)
    shown = [f"{h or '?'}:{t or '?'}" for h, t in mappings]
    return hint("common.wrong_port", host=host, target=target, found=", ".join(shown))


def containers_from(client: Any, repo: str, *, stopped: bool = False) -> list[Any]:
    """The containers (running, or all with `stopped`) made from an image of `repo`, those a
    Kubernetes node runs for its pods excepted."""
    found = []
    for container in client.containers.list(all=stopped):
        if from_kubelet(container.labels):
            continue
        try:
            tags = list(container.image.tags)
        except docker.errors.DockerException:  # the image may have been deleted since
            tags = []
        names = [*tags, str(container.attrs.get("Config", {}).get("Image", ""))]
        if any(repository(n) == repo for n in names):
            found.append(container)
    return found


def assert_stack_allowed(up: compose.CommandResult) -> None:
    """`docker compose up` was allowed by the policy (not attempted when an image cannot be
    had here: no registry, no stand-in)."""
    __tracebackhide__ = True
    if up.not_judged is not None:
        raise NotAttempted(up.not_judged)
    assert up.refused is None, up.refused


def assert_stack_started(up: compose.CommandResult, failed_key: str) -> None:
    """`docker compose up` was allowed, and succeeded."""
    __tracebackhide__ = True
    assert_stack_allowed(up)
    assert up.ok, hint(failed_key, details=up.output[-3000:])
