"""The checks every Kubernetes exercise starts with. An exercise module takes them by name
from `grader.authoring` (pytest collects them there, under that exercise):

    test_manifests_parse = authoring.test_manifests_parse
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import pytest

from grader.grading.submission import Submission
from grader.k8s import kube
from grader.k8s.manifests import Manifests
from grader.model.policy import Violation


@pytest.mark.points(1)
def test_manifests_parse(manifests: Manifests, submission: Submission) -> None:
    """Les manifestes sont du YAML valide
    en: The manifests are valid YAML"""
    kube.assert_parsed(manifests, submission.source)


@pytest.mark.points(2)
def test_manifests_match_the_kubernetes_schemas(
    manifests: Manifests, submission: Submission, manifest_refusals: list[Violation]
) -> None:
    """Chaque objet est accepté (schémas de Kubernetes, rien de privilégié ni hors du namespace)
    en: Every object is accepted (Kubernetes schemas, nothing privileged or beyond the namespace)"""
    kube.assert_schemas(manifests, submission.source, manifest_refusals)


def also_live(check: Callable[..., None]) -> Callable[..., None]:
    """The same live check, for `--live` too: there it grades what the student deployed in
    their namespace instead of what the grader applied. Only checks that read the cluster may
    be given: one that changes objects (deletes a pod, scales) would touch the student's."""

    @functools.wraps(check)
    def live(*args: Any, **kwargs: Any) -> None:
        check(*args, **kwargs)

    marked: Callable[..., None] = pytest.mark.live(live)
    return marked
