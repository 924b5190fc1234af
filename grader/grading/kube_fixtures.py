"""Fixtures of the Kubernetes exercises: the manifests (static tier) and a cluster with a
namespace per submission (live tier). Without a cluster, live checks are "not attempted",
with the reason and how to get one."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from grader.containers import images
from grader.grading.session import GradingSession
from grader.grading.submission import Submission
from grader.k8s import apply_plan, kube, kube_live
from grader.k8s.cluster import (
    Applied,
    Cluster,
    KubectlResult,
    NoCluster,
    apply,
    apply_in_namespace,
    create_kind,
    from_kubeconfig,
    remove,
)
from grader.k8s.kube_watch import NamespaceView, poll
from grader.k8s.manifests import Manifests, load
from grader.k8s.policy import manifest_violations
from grader.model.catalogue import Exercise
from grader.model.hints import hint
from grader.model.outcomes import NotAttempted
from grader.model.policy import Violation


@pytest.fixture(scope="module")
def manifests(request: pytest.FixtureRequest, grading: GradingSession) -> Manifests:
    """The submission's manifests — with `--live`, what the student deployed in their
    namespace (read-only: the cluster's objects as they are)."""
    if grading.mode == "live":
        live: Cluster = request.getfixturevalue("live_cluster")
        return kube_live.deployed(live, kube_live.namespace_of(live))
    submission: Submission = request.getfixturevalue("submission")
    return load(submission.folder)


@pytest.fixture(scope="module")
def manifest_refusals(manifests: Manifests, exercise: Exercise) -> list[Violation]:
    """What the policy refuses in the manifests (the kinds a statement asks for excepted)."""
    allowed = frozenset(str(k) for k in exercise.params.get("cluster_kinds") or [])
    return manifest_violations(manifests, allowed_kinds=allowed)


@pytest.fixture(scope="module")
def valid_manifests(
    request: pytest.FixtureRequest,
    manifests: Manifests,
    grading: GradingSession,
    manifest_refusals: list[Violation],
) -> Manifests:
    if grading.mode == "live":  # what the cluster holds: accepted by it, never applied again
        return manifests
    submission: Submission = request.getfixturevalue("submission")
    if kube.parse_hint(manifests, submission.source) or kube.schema_hint(manifests):
        raise NotAttempted(hint("common.k8s_static_prerequisite"))
    if manifest_refusals:  # never applied to a cluster
        raise NotAttempted(hint("common.k8s_static_prerequisite"))
    return manifests


@pytest.fixture(scope="session")
def cluster(grading: GradingSession) -> Iterator[Cluster | NoCluster]:
    """The run's cluster, or why there is none (never raises)."""
    choice = grading.cluster
    if not choice.kind:
        try:
            yield from_kubeconfig(choice.kubeconfig, choice.context, choice.namespace)
        except NoCluster as error:
            yield error
        return
    workdir = grading.workdir / "kind"
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        made, handle = create_kind(f"grader-{grading.run_id}", workdir)
    except NoCluster as error:
        yield error
        return
    try:
        yield made
    finally:
        with contextlib.suppress(Exception):
            handle.delete()


@pytest.fixture(scope="module")
def live_cluster(cluster: Cluster | NoCluster, exercise: Exercise) -> Cluster:
    if isinstance(cluster, NoCluster):
        raise NotAttempted(hint("common.no_cluster", reason=str(cluster), exercise=exercise.id))
    return cluster


@pytest.fixture(scope="module")
def pod_images(
    live_cluster: Cluster, valid_manifests: Manifests, grading: GradingSession, exercise: Exercise
) -> list[str]:
    """The images the pods name, made available first on the grader's own cluster (its pods
    run on the grader's engine): offline stand-ins where no registry answers. One that has no
    stand-in and cannot be pulled offline is not judged here (never failed)."""
    refs = sorted({image for _, image in kube.images(valid_manifests) if image})
    if not live_cluster.own_node:
        return refs
    client = grading.client()
    for ref in refs:
        standin = images.ensure_standin(client, ref)
        if standin:
            grading.note_standin(exercise, ref, f"{standin.made_of} for {standin.named}")
    missing = images.offline_missing(client, refs)
    if missing is not None:
        raise NotAttempted(missing)
    return refs


@pytest.fixture(scope="module")
def applied(
    request: pytest.FixtureRequest,
    live_cluster: Cluster,
    valid_manifests: Manifests,
    grading: GradingSession,
    exercise: Exercise,
) -> Iterator[Applied]:
    """The manifests applied (dry-run first), never with the grader's rights, and always
    removed: in a namespace of their own, as its submitter; or, on the course's shared cluster,
    in the student's one namespace, labelled, exactly those objects deleted afterwards. With
    `--live`, nothing is applied: what the student deployed is graded as it is."""
    if grading.mode == "live":
        ok = KubectlResult(True, "")
        yield Applied(kube_live.namespace_of(live_cluster), ok, ok, own_namespace=False)
        return
    request.getfixturevalue("pod_images")
    namespace = live_cluster.namespace or grading.resource_name(exercise)
    prepared = apply_plan.plan(
        valid_manifests, namespace=namespace, served=apply_plan.discovery(live_cluster.kubectl)
    )
    for note in prepared.notes:
        grading.note(exercise, note)
    if live_cluster.namespace is not None:
        made = apply_in_namespace(
            live_cluster,
            prepared.bodies,
            namespace=namespace,
            run_id=grading.run_id,
            workdir=grading.workdir / f"{exercise.id}-applied",
        )
    else:
        submission: Submission = request.getfixturevalue("submission")
        made = apply(
            live_cluster,
            submission.folder,
            namespace=namespace,
            run_id=grading.run_id,
            bodies=prepared.bodies if prepared.changed else None,
        )
    try:
        if made.clashes:
            raise NotAttempted(
                hint(
                    "common.k8s_namespace_clash",
                    namespace=made.namespace,
                    objects=", ".join(made.clashes),
                )
            )
        yield made
    finally:
        remove(live_cluster, made)


@pytest.fixture(scope="module")
def deployed(applied: Applied) -> Applied:
    if not applied.ok:
        failed = applied.apply if applied.dry_run.ok and applied.apply else applied.dry_run
        raise NotAttempted(
            apply_plan.grader_limit(failed.output)
            or hint("common.k8s_apply_failed", error=failed.output.strip()[-600:])
        )
    return applied


@pytest.fixture(scope="module")
def k8s_api(live_cluster: Cluster) -> Any:
    return live_cluster.api()


@pytest.fixture(scope="module")
def namespace_view(deployed: Applied, k8s_api: Any) -> NamespaceView:
    """What the cluster says about the submission's namespace: when to stop waiting, and why."""
    from kubernetes import client

    return NamespaceView(client.CoreV1Api(k8s_api), deployed.namespace)


@pytest.fixture(scope="session")
def wait_until() -> Callable[..., Any]:
    """Poll `read()` until `done(value)` or the deadline; returns the last value read."""
    return poll
