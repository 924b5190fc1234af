"""Checks of exercise 12: a Deployment that heals and scales (seed 000 « le pod peut mourir »)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from grader import authoring
from grader.authoring import (
    Applied,
    Cluster,
    Exercise,
    Hint,
    Manifest,
    Manifests,
    NamespaceView,
    NotAttempted,
    deployment_verdict,
    hint,
    kube,
    label_selector,
    mapping,
)


@pytest.fixture(scope="module")
def deployment(valid_manifests: Manifests) -> Manifest:
    found = valid_manifests.of_kind("Deployment")
    if not found:
        names = ", ".join(map(str, valid_manifests)) or "—"
        raise NotAttempted(hint("ex12.no_deployment", found=names))
    return found[0]


@pytest.fixture(scope="module")
def watch(
    deployed: Applied,
    deployment: Manifest,
    k8s_api: Any,
    namespace_view: NamespaceView,
    exercise: Exercise,
) -> Callable[[int], tuple[bool, str, Hint | None]]:
    """Wait until the Deployment has `n` ready replicas, the outcome is known or the deadline:
    (ready, status, what the cluster says is wrong)."""
    from kubernetes import client

    apps, view = client.AppsV1Api(k8s_api), namespace_view
    selector = label_selector(mapping(deployment.spec.get("selector")).get("matchLabels"))

    def until_ready(replicas: int) -> tuple[bool, str, Hint | None]:
        def done(d: Any) -> bool:
            return deployment_verdict(d)[0] and (d.status.ready_replicas or 0) >= replicas

        return view.until_ready(
            lambda: apps.read_namespaced_deployment(deployment.name, deployed.namespace),
            lambda d: (done(d), deployment_verdict(d)[1]),
            seconds=exercise.params["ready_seconds"],
            selector=selector,
        )

    return until_ready


# The first two checks, shared by every Kubernetes exercise (collected here by pytest).
test_manifests_parse = authoring.test_manifests_parse
test_manifests_match_the_kubernetes_schemas = authoring.test_manifests_match_the_kubernetes_schemas


def declared_replicas(deployment: Manifest) -> object:
    return deployment.spec.get("replicas", 1)  # without it, Kubernetes runs one pod


def awaited(deployment: Manifest, exercise: Exercise) -> int:
    """How many ready pods the live checks wait for: the student's own count (the statement's
    when theirs is not a number Kubernetes would take)."""
    found = declared_replicas(deployment)
    if isinstance(found, int) and not isinstance(found, bool) and found >= 1:
        return found
    return int(exercise.params["replicas"])


def several(replicas: object) -> bool:
    """Several pods: what healing and scaling are about (the statement's 3 is an example)."""
    return isinstance(replicas, int) and not isinstance(replicas, bool) and replicas >= 2


@pytest.mark.points(1)
def test_a_deployment_of_several_replicas(deployment: Manifest) -> None:
    """Un Deployment de plusieurs réplicas
    en: A Deployment of several replicas"""
    found = declared_replicas(deployment)
    assert several(found), hint("ex12.replicas", object=str(deployment), found=found)


@pytest.mark.practice
@pytest.mark.points(1)
def test_three_replicas_as_in_the_statement(deployment: Manifest, exercise: Exercise) -> None:
    """3 réplicas, comme dans l'énoncé
    en: 3 replicas, as in the statement"""
    expected = exercise.params["replicas"]
    found = declared_replicas(deployment)
    assert several(found), hint("ex12.replicas", object=str(deployment), found=found)
    assert found == expected, hint(
        "ex12.replicas_not_the_statements", object=str(deployment), found=found, expected=expected
    )


@pytest.mark.points(2)
def test_selector_matches_its_pods(deployment: Manifest) -> None:
    """Le sélecteur correspond aux labels de ses pods
    en: The selector matches its pods' labels"""
    problem = kube.selector_hint(deployment)
    assert problem is None, problem


@pytest.mark.cluster
@pytest.mark.points(2)
def test_replicas_become_ready(
    watch: Callable[[int], tuple[bool, str, Hint | None]], deployment: Manifest, exercise: Exercise
) -> None:
    """Les réplicas deviennent prêts
    en: The replicas become ready"""
    ready, status, why = watch(awaited(deployment, exercise))
    assert ready, why or hint(
        "ex12.not_ready",
        name=deployment.name,
        seconds=exercise.params["ready_seconds"],
        status=status,
    )


test_replicas_become_ready_live = authoring.also_live(test_replicas_become_ready)


@pytest.mark.cluster
@pytest.mark.points(2)
def test_a_deleted_pod_is_replaced(
    watch: Callable[[int], tuple[bool, str, Hint | None]],
    deployment: Manifest,
    deployed: Applied,
    live_cluster: Cluster,
    exercise: Exercise,
) -> None:
    """Un pod supprimé est remplacé par un pod prêt
    en: A deleted pod is replaced by a ready pod"""
    selector = label_selector(mapping(deployment.spec.get("selector")).get("matchLabels"))
    pods = live_cluster.kubectl(
        "get", "pods", "-n", deployed.namespace, "-l", selector, "-o", "name"
    )
    victim = pods.output.split()[0] if pods.ok and pods.output.split() else "?"
    # A short grace period: nginx stops at once on SIGTERM, and a pod that lingers Terminating
    # would hold the namespace's quota and keep its replacement waiting.
    live_cluster.kubectl(
        "delete", victim, "-n", deployed.namespace, "--grace-period=1", "--wait=false"
    )
    expected = awaited(deployment, exercise)
    ready, status, why = watch(expected)
    assert ready, why or hint(
        "ex12.not_healed",
        pod=victim,
        expected=expected,
        seconds=exercise.params["ready_seconds"],
        status=status,
    )


@pytest.mark.cluster
@pytest.mark.points(2)
def test_scales_to_five(
    watch: Callable[[int], tuple[bool, str, Hint | None]],
    deployment: Manifest,
    deployed: Applied,
    live_cluster: Cluster,
    exercise: Exercise,
) -> None:
    """Passer à 5 réplicas fonctionne (kubectl scale)
    en: Scaling to 5 replicas works (kubectl scale)"""
    expected = exercise.params["scaled"]
    live_cluster.kubectl(
        "scale", f"deployment/{deployment.name}", f"--replicas={expected}", "-n", deployed.namespace
    )
    ready, status, why = watch(expected)
    assert ready, why or hint(
        "ex12.not_scaled",
        expected=expected,
        seconds=exercise.params["ready_seconds"],
        status=status,
    )
