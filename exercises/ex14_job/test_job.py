"""Checks of exercise 14: a parallel Job (seed 004 « Jobs »: completions, parallelism)."""

from __future__ import annotations

from collections.abc import Callable
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
    hint,
    job_verdict,
    kube,
)


@pytest.fixture(scope="module")
def job(valid_manifests: Manifests) -> Manifest:
    found = valid_manifests.of_kind("Job")
    if not found:
        raise NotAttempted(hint("ex14.no_job", found=", ".join(map(str, valid_manifests)) or "—"))
    return found[0]


# The first two checks, shared by every Kubernetes exercise (collected here by pytest).
test_manifests_parse = authoring.test_manifests_parse
test_manifests_match_the_kubernetes_schemas = authoring.test_manifests_match_the_kubernetes_schemas


@pytest.mark.points(1)
def test_a_job(valid_manifests: Manifests) -> None:
    """Un Job
    en: A Job"""
    names = ", ".join(map(str, valid_manifests)) or "—"
    assert valid_manifests.of_kind("Job"), hint("ex14.no_job", found=names)


def counts(job: Manifest) -> tuple[object, object]:
    """(completions, parallelism), Kubernetes's defaults (1, 1) when not written."""
    return job.spec.get("completions", 1), job.spec.get("parallelism", 1)


def is_parallel(completions: object, parallelism: object) -> bool:
    """Several runs, several at a time: both fields at work (the statement's 5 and 2 are an
    example; Kubernetes runs any such pair)."""
    several = [
        isinstance(n, int) and not isinstance(n, bool) and n >= 2
        for n in (completions, parallelism)
    ]
    return all(several)


@pytest.mark.points(1)
def test_a_parallel_job(job: Manifest) -> None:
    """Un Job parallèle : plusieurs exécutions (completions), plusieurs à la fois (parallelism)
    en: A parallel Job: several runs (completions), several at a time (parallelism)"""
    completions, parallelism = counts(job)
    assert is_parallel(completions, parallelism), hint(
        "ex14.counts", object=str(job), completions=completions, parallelism=parallelism
    )


@pytest.mark.practice
@pytest.mark.points(1)
def test_completions_and_parallelism_as_in_the_statement(job: Manifest, exercise: Exercise) -> None:
    """completions: 5 et parallelism: 2, comme dans l'énoncé
    en: completions: 5 and parallelism: 2, as in the statement"""
    completions, parallelism = counts(job)
    wanted = (exercise.params["completions"], exercise.params["parallelism"])
    assert is_parallel(completions, parallelism), hint(
        "ex14.counts", object=str(job), completions=completions, parallelism=parallelism
    )
    assert (completions, parallelism) == wanted, hint(
        "ex14.counts_not_the_statements",
        object=str(job),
        completions=completions,
        parallelism=parallelism,
    )


@pytest.mark.points(1)
def test_restart_policy_suits_a_job(job: Manifest) -> None:
    """restartPolicy: Never ou OnFailure
    en: restartPolicy: Never or OnFailure"""
    policy = ((job.spec.get("template") or {}).get("spec") or {}).get("restartPolicy", "Always")
    assert policy in ("Never", "OnFailure"), hint(
        "ex14.restart_policy", object=str(job), found=policy
    )


@pytest.mark.practice
@pytest.mark.points(1)
def test_image_has_a_version(valid_manifests: Manifests) -> None:
    """L'image a une version (pas latest)
    en: The image has a version (not latest)"""
    problem = kube.image_tag_hint(valid_manifests)
    assert problem is None, problem


@pytest.mark.cluster
@pytest.mark.points(2)
def test_job_completes(
    deployed: Applied,
    job: Manifest,
    k8s_api: Any,
    namespace_view: NamespaceView,
    wait_until: Callable[..., Any],
    exercise: Exercise,
) -> None:
    """Le Job se termine, toutes ses exécutions réussies (completions)
    en: The Job completes, all its runs successful (completions)"""
    from kubernetes import client

    batch, view = client.BatchV1Api(k8s_api), namespace_view
    seconds = exercise.params["done_seconds"]
    selector = f"job-name={job.name}"
    last = wait_until(
        lambda: batch.read_namespaced_job(job.name, deployed.namespace),
        lambda j: job_verdict(j)[0] is not None or view.hopeless(selector=selector, job=j),
        seconds=seconds,
    )
    done, status = job_verdict(last)
    if done is None and view.hopeless(selector=selector, job=last):
        done = False  # given up (an image, the backoff limit) before the Job says it failed
    assert done is not None, view.why(selector=selector) or hint(
        "ex14.not_done", name=job.name, seconds=seconds, status=status
    )
    assert done, view.why_job(last) or hint("ex14.failed", name=job.name, status=status)


test_job_completes_live = authoring.also_live(test_job_completes)
