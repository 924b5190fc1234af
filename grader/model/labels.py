"""The labels that mark what the grader makes, on the Docker engine and on a cluster alike:
clean-up finds its objects by them, and never touches an object without them."""

from __future__ import annotations

LABEL_MANAGED = "fr.grader.managed"
LABEL_RUN = "fr.grader.run"
LABEL_EXERCISE = "fr.grader.exercise"
LABEL_STANDIN = "fr.grader.standin"
# The kubelet runs a cluster's pods as containers of the same engine (dockershim): they carry
# these labels (and a pod's own labels, the grader's among them, on its sandbox). They are the
# kubelet's, never a student's `docker run`, and the grader removes them only through the
# cluster, never on the engine.
KUBELET_LABELS = ("io.kubernetes.pod.name", "io.kubernetes.container.name")


def from_kubelet(labels: dict[str, str] | None) -> bool:
    """Whether a container with these labels is one the kubelet runs for a pod."""
    return any(label in (labels or {}) for label in KUBELET_LABELS)


def labels(run_id: str, exercise_id: str | None = None) -> dict[str, str]:
    result = {LABEL_MANAGED: "1", LABEL_RUN: run_id}
    if exercise_id:
        result[LABEL_EXERCISE] = exercise_id
    return result
