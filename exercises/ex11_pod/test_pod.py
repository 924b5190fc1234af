"""Checks of exercise 11: an nginx Pod (seed 004 « Pods »)."""

from __future__ import annotations

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
    pod_verdict,
)


@pytest.fixture(scope="module")
def nginx_pod(valid_manifests: Manifests) -> Manifest:
    for pod in valid_manifests.of_kind("Pod"):
        if kube.uses_image(Manifests(objects=[pod]), "nginx"):
            return pod
    raise NotAttempted(hint("ex11.no_pod", found=", ".join(map(str, valid_manifests)) or "—"))


# The first two checks, shared by every Kubernetes exercise (collected here by pytest).
test_manifests_parse = authoring.test_manifests_parse
test_manifests_match_the_kubernetes_schemas = authoring.test_manifests_match_the_kubernetes_schemas


@pytest.mark.points(1)
def test_a_pod_runs_nginx(valid_manifests: Manifests) -> None:
    """Un Pod fait tourner nginx
    en: A Pod runs nginx"""
    pods = [p for p in valid_manifests.of_kind("Pod") if kube.uses_image(Manifests([p]), "nginx")]
    assert pods, hint("ex11.no_pod", found=", ".join(map(str, valid_manifests)) or "—")


@pytest.mark.practice
@pytest.mark.points(1)
def test_container_declares_port_80(nginx_pod: Manifest) -> None:
    """Le conteneur déclare son port 80
    en: The container declares its port 80"""
    ports = [
        p.get("containerPort")
        for c in containers({"spec": nginx_pod.spec})
        for p in c.get("ports") or []
    ]
    assert 80 in ports, hint("ex11.no_port")


@pytest.mark.practice
@pytest.mark.points(1)
def test_image_has_a_version(valid_manifests: Manifests) -> None:
    """L'image a une version (pas latest)
    en: The image has a version (not latest)"""
    problem = kube.image_tag_hint(valid_manifests)
    assert problem is None, problem


@pytest.mark.cluster
@pytest.mark.points(4)
def test_pod_is_running_and_ready(
    deployed: Applied,
    nginx_pod: Manifest,
    namespace_view: NamespaceView,
    exercise: Exercise,
) -> None:
    """Le Pod est Running et prêt (Ready)
    en: The Pod is Running and Ready"""
    view, name, seconds = namespace_view, nginx_pod.name, exercise.params["ready_seconds"]
    ready, status, why = view.until_ready(
        lambda: view.core.read_namespaced_pod(name, deployed.namespace),
        pod_verdict,
        seconds=seconds,
        name=name,
    )
    assert ready, why or hint("ex11.not_ready", name=name, seconds=seconds, status=status)


test_pod_is_running_and_ready_live = authoring.also_live(test_pod_is_running_and_ready)
