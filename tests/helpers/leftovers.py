"""What the grader left on the engine and the cluster: every test's own check, and the
suite's last step (`python -m tests.helpers.leftovers`, once both lanes of `scripts/test.sh`
are done), which sees what any lane left."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

from grader.containers.engine import connect, grader_images
from grader.model.labels import LABEL_MANAGED, from_kubelet

if TYPE_CHECKING:
    from grader.k8s.cluster import Cluster


def managed(engine: object) -> list[str]:
    """The grader's containers, networks, volumes and images on `engine` (its build cache,
    kept on purpose, apart; and a pod's containers, the kubelet's, which carry the grader's
    labels of their pod: what the grader left on a cluster is `namespaces`)."""
    selector = {"label": [LABEL_MANAGED]}
    containers = engine.containers.list(all=True, filters=selector)  # type: ignore[attr-defined]
    found = [c.name for c in containers if not from_kubelet(c.labels)]
    found += [n.name for n in engine.networks.list(filters=selector)]  # type: ignore[attr-defined]
    found += [v.name for v in engine.volumes.list(filters=selector)]  # type: ignore[attr-defined]
    return found + grader_images(engine)  # type: ignore[arg-type]


def namespaces(cluster: Cluster) -> list[str]:
    """The grader's namespaces still on `cluster`."""
    listed = cluster.kubectl("get", "namespaces", "-l", LABEL_MANAGED, "-o", "name")
    return listed.output.split() if listed.ok else [f"(cannot list: {listed.output.strip()})"]


def main() -> int:
    left = managed(connect())
    kubeconfig = os.environ.get("GRADER_KUBECONFIG")
    if kubeconfig:
        from grader.k8s.cluster import from_kubeconfig

        left += namespaces(from_kubeconfig(kubeconfig, None))
    if left:
        print(f"leftovers: the test suite left these behind: {left}", file=sys.stderr)
        return 1
    print("leftovers: nothing of the grader remains on the engine or the cluster")
    return 0


if __name__ == "__main__":
    sys.exit(main())
