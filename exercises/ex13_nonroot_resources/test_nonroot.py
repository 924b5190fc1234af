"""Checks of exercise 13: non-root with resources (seed 004 securityContext, requests/limits)."""

from __future__ import annotations

from typing import Any

import pytest

from grader import authoring
from grader.authoring import (
    Applied,
    Exercise,
    Manifest,
    Manifests,
    NamespaceView,
    NotAttempted,
    containers,
    hint,
    kube,
    pod_templates,
    pod_verdict,
    repository,
)

# Images that start as root to bind port 80 (they cannot run with runAsNonRoot).
ROOT_IMAGES = ("nginx", "httpd")


@pytest.fixture(scope="module")
def pods(valid_manifests: Manifests) -> list[tuple[Manifest, dict[str, Any]]]:
    found = list(pod_templates(valid_manifests))
    if not found:
        raise NotAttempted(hint("ex13.no_pod"))
    return found


# The first two checks, shared by every Kubernetes exercise (collected here by pytest).
test_manifests_parse = authoring.test_manifests_parse
test_manifests_match_the_kubernetes_schemas = authoring.test_manifests_match_the_kubernetes_schemas


@pytest.mark.points(2)
def test_runs_as_non_root(pods: list[tuple[Manifest, dict[str, Any]]]) -> None:
    """runAsNonRoot: true
    en: runAsNonRoot: true"""
    for owner, template in pods:
        for container in containers(template):
            assert kube.security_context(template, container, "runAsNonRoot") is True, hint(
                "ex13.not_non_root", object=str(owner), container=container.get("name", "?")
            )


@pytest.mark.points(3)
def test_requests_and_limits_in_the_right_units(
    pods: list[tuple[Manifest, dict[str, Any]]],
) -> None:
    """requests et limits, cpu et mémoire, dans les bonnes unités
    en: requests and limits, cpu and memory, in the right units"""
    for owner, template in pods:
        for container in containers(template):
            problem = kube.resources_hint(owner, container)
            assert problem is None, problem


@pytest.mark.points(2)
def test_image_and_port_suit_a_non_root_user(
    pods: list[tuple[Manifest, dict[str, Any]]],
) -> None:
    """Une image et un port compatibles avec un utilisateur non root
    en: An image and a port that suit a non-root user"""
    for owner, template in pods:
        for container in containers(template):
            image = str(container.get("image", ""))
            user = kube.security_context(template, container, "runAsUser")
            root_image = repository(image) in ROOT_IMAGES and user in (None, 0)
            assert not root_image, hint("ex13.root_image", object=str(owner), image=image)
            low = [
                p.get("containerPort")
                for p in container.get("ports") or []
                if int(p.get("containerPort") or 0) < 1024
            ]
            assert not low, hint("ex13.low_port", object=str(owner), port=low[0])


@pytest.mark.cluster
@pytest.mark.points(2)
def test_pod_starts_and_becomes_ready(
    deployed: Applied,
    pods: list[tuple[Manifest, dict[str, Any]]],
    namespace_view: NamespaceView,
    exercise: Exercise,
) -> None:
    """Le Pod démarre et devient prêt
    en: The Pod starts and becomes ready"""
    view, seconds = namespace_view, exercise.params["ready_seconds"]
    for owner, _ in pods:
        if owner.kind != "Pod":
            continue
        ready, status, why = view.until_ready(
            lambda o=owner: view.core.read_namespaced_pod(o.name, deployed.namespace),
            pod_verdict,
            seconds=seconds,
            name=owner.name,
        )
        assert ready, why or hint("ex13.not_ready", name=owner.name, seconds=seconds, status=status)


test_pod_starts_and_becomes_ready_live = authoring.also_live(test_pod_starts_and_becomes_ready)
