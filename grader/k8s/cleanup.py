"""What `grader clean` removes from a cluster: whatever a grading run labelled there."""

from __future__ import annotations

from collections.abc import Callable

from grader.k8s.cluster import Cluster
from grader.model.labels import LABEL_MANAGED

# what a grading creates in a student's one namespace (where namespaces cannot be deleted)
KINDS = "pods,deployments,replicasets,services,ingresses,jobs,cronjobs,configmaps,secrets"


def sweep(cluster: Cluster) -> list[str]:
    """Delete every namespace a grading run labelled on `cluster` — or, with a student's
    rights in one namespace (the course's cluster), every object a grading labelled there;
    what was removed, one line each."""
    if cluster.namespace is not None:
        where = cluster.namespace
        listed = cluster.kubectl("get", KINDS, "-n", where, "-l", LABEL_MANAGED, "-o", "name")
        names = listed.output.split() if listed.ok else []
        if names:
            cluster.kubectl("delete", *names, "-n", where, "--wait=false")
        return [f"{name} (namespace {where})" for name in names]
    listed = cluster.kubectl("get", "namespaces", "-l", LABEL_MANAGED, "-o", "name")
    names = listed.output.split() if listed.ok else []
    if names:
        cluster.kubectl("delete", *names, "--wait=false")
    return [name.replace("namespace/", "namespace ") for name in names]


def sweep_named(
    kubeconfig: str | None, context: str | None, *, say: Callable[[str], None]
) -> list[str]:
    """`sweep` the cluster of `kubeconfig` and `context`; none there is said, not an error."""
    from grader.k8s.cluster import NoCluster, from_kubeconfig

    try:
        cluster = from_kubeconfig(kubeconfig, context)
    except NoCluster as error:
        say(f"grader clean: no cluster ({error})")
        return []
    return sweep(cluster)
