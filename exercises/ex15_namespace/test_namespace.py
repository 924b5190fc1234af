"""Checks of exercise 15: a namespace of one's own (seed 004 « Namespace »). Static only."""

from __future__ import annotations

import pytest

from grader import authoring
from grader.authoring import (
    Manifest,
    Manifests,
    NotAttempted,
    hint,
    kube,
)

CLUSTER_WIDE = (
    "Namespace",
    "ClusterRole",
    "ClusterRoleBinding",
    "PersistentVolume",
    "StorageClass",
    "IngressClass",
    "CustomResourceDefinition",
)


@pytest.fixture(scope="module")
def namespace(valid_manifests: Manifests) -> Manifest:
    found = valid_manifests.of_kind("Namespace")
    if not found:
        raise NotAttempted(hint("ex15.no_namespace"))
    return found[0]


# The first two checks, shared by every Kubernetes exercise (collected here by pytest).
test_manifests_parse = authoring.test_manifests_parse
test_manifests_match_the_kubernetes_schemas = authoring.test_manifests_match_the_kubernetes_schemas


@pytest.mark.points(2)
def test_a_namespace_object(valid_manifests: Manifests) -> None:
    """Un objet Namespace
    en: A Namespace object"""
    assert valid_manifests.of_kind("Namespace"), hint("ex15.no_namespace")


@pytest.mark.points(3)
def test_every_object_is_in_that_namespace(namespace: Manifest, valid_manifests: Manifests) -> None:
    """Chaque objet est dans ce namespace (rien dans default)
    en: Every object is in that namespace (nothing in default)"""
    namespaced = [m for m in valid_manifests if m.kind not in CLUSTER_WIDE]
    if not namespaced:  # only the Namespace itself: "every object" would pass on nothing
        raise NotAttempted(hint("ex15.nothing_in_it", namespace=namespace.name))
    for manifest in namespaced:
        assert manifest.namespace == namespace.name, hint(
            "ex15.outside",
            object=str(manifest),
            file=manifest.file,
            namespace=namespace.name,
            found=f"namespace: {manifest.namespace}" if manifest.namespace else "aucun / none",
        )


@pytest.mark.points(2)
def test_service_selects_the_pods_in_the_same_namespace(valid_manifests: Manifests) -> None:
    """Le Service sélectionne les pods du Deployment, dans le même namespace
    en: The Service selects the Deployment's pods, in the same namespace"""
    services = valid_manifests.of_kind("Service")
    assert services, hint("ex15.no_service")
    for service in services:
        problem = kube.service_selects_hint(service, valid_manifests)
        assert problem is None, problem
