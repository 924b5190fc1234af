"""`--live` for Kubernetes: grade what the student has already deployed in their namespace —
the course's way (`kubectl apply` in your space) — read-only, never touching their objects.

The namespace's objects are read back as manifests, so that the live checks find the student's
Pod, Deployment, Service, Ingress or Job as they would in files. Objects a controller made (a
Deployment's ReplicaSets and pods, a CronJob's Jobs), the API server's own Service and objects
of a grading in progress are left out: they are not the student's manifests.
"""

from __future__ import annotations

import json

from grader.k8s.cluster import Cluster, context_namespace
from grader.k8s.manifests import Manifest, Manifests
from grader.model.labels import LABEL_MANAGED

KINDS = "pods,deployments.apps,services,ingresses.networking.k8s.io,jobs.batch,cronjobs.batch"
# What the API server writes that a manifest does not hold.
_SERVER_FIELDS = (
    "managedFields",
    "resourceVersion",
    "uid",
    "creationTimestamp",
    "generation",
    "selfLink",
)
_LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


def namespace_of(cluster: Cluster) -> str:
    """The namespace `--live` reads: `--namespace`, else the kubeconfig context's."""
    return cluster.namespace or context_namespace(cluster)


def deployed(cluster: Cluster, namespace: str) -> Manifests:
    """The student's objects in `namespace`, as manifests (empty when none can be read)."""
    listed = cluster.kubectl("get", KINDS, "-n", namespace, "-o", "json")
    if not listed.ok:
        return Manifests()
    try:
        items = json.loads(listed.output).get("items", [])
    except ValueError:
        return Manifests()
    objects = [
        Manifest(file=f"{namespace} (cluster)", line=1, body=as_manifest(item))
        for item in items
        if isinstance(item, dict) and is_the_students(item)
    ]
    return Manifests(objects=objects)


def is_the_students(item: dict[str, object]) -> bool:
    metadata = item.get("metadata")
    if not isinstance(metadata, dict):
        return False
    labels = metadata.get("labels") or {}
    if metadata.get("ownerReferences") or not isinstance(labels, dict):
        return False
    return LABEL_MANAGED not in labels and labels.get("provider") != "kubernetes"


def as_manifest(item: dict[str, object]) -> dict[str, object]:
    body = {k: v for k, v in item.items() if k != "status"}
    metadata = dict(body.get("metadata") or {})  # type: ignore[call-overload]
    for name in _SERVER_FIELDS:
        metadata.pop(name, None)
    annotations = {
        k: v for k, v in (metadata.get("annotations") or {}).items() if k != _LAST_APPLIED
    }
    if annotations:
        metadata["annotations"] = annotations
    else:
        metadata.pop("annotations", None)
    body["metadata"] = metadata
    return body
