"""The Kubernetes live tier end to end, on a real cluster: an existing one
(GRADER_KUBECONFIG, optionally GRADER_CONTEXT) or an ephemeral kind cluster (`kind` on PATH and
its node image available). Where neither exists — as on the machines this project is developed
on — every test here skips with the exact reason; none of them can pass without a cluster."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from grader.catalogue import Catalogue
from grader.runner import grade
from grader.session import ClusterChoice
from tests.conftest import SUBMISSIONS, make_repo

pytestmark = [pytest.mark.docker, pytest.mark.cluster]
KIND_NODE_IMAGE = "kindest/node"


def _cluster_choice() -> ClusterChoice:
    """The cluster these tests may use, or a skip saying exactly why there is none."""
    kubeconfig = os.environ.get("GRADER_KUBECONFIG")
    if kubeconfig:
        if not Path(kubeconfig).is_file():
            pytest.skip(f"GRADER_KUBECONFIG={kubeconfig} does not exist")
        return ClusterChoice(kubeconfig=kubeconfig, context=os.environ.get("GRADER_CONTEXT"))
    if shutil.which("kind") is None:
        pytest.skip("no cluster: no kind binary on PATH and no GRADER_KUBECONFIG")
    images = subprocess.run(
        ["docker", "images", "-q", KIND_NODE_IMAGE], capture_output=True, text=True, check=False
    )
    if not images.stdout.strip():
        pytest.skip(
            f"no cluster: no kind node image ({KIND_NODE_IMAGE}) and no registry to pull it"
        )
    return ClusterChoice(kind=True)


def test_ex4_reference_scores_full_marks_on_a_cluster(
    catalogue: Catalogue, tmp_path: Path, engine: object
) -> None:
    choice = _cluster_choice()
    exercise = catalogue.get("ex4")
    repo = make_repo(tmp_path, {"ex4": exercise.folder / "solution"})
    result = grade([exercise], root=repo, catalogue=catalogue, cluster=choice).exercises[0]
    assert [(c.name, c.hint) for c in result.checks if c.status != "passed"] == []
    assert result.points == result.max_points == exercise.points


def test_ex4_a_service_on_the_wrong_port_fails_through_the_ingress(
    catalogue: Catalogue, tmp_path: Path, engine: object
) -> None:
    choice = _cluster_choice()
    repo = make_repo(tmp_path, {"ex4": SUBMISSIONS / "ex4" / "target_port_mismatch"})
    result = grade([catalogue.get("ex4")], root=repo, catalogue=catalogue, cluster=choice)
    seen = {c.name: c.status for c in result.exercises[0].checks}
    assert seen["test_cluster_accepts_the_manifests"] == "passed"
    assert seen["test_nginx_answers_through_the_ingress"] == "failed"
