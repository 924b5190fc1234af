"""`--live` for Kubernetes and grading in a student's own namespace: what is read back as the
student's manifests, and how the grader marks its own objects (pure functions; the end-to-end
tests are in tests/integration/test_cluster.py)."""

from __future__ import annotations

import json

from grader.k8s.cluster import as_list, grading_namespace, labelled
from grader.k8s.kube_live import as_manifest, is_the_students
from grader.model.labels import LABEL_MANAGED, LABEL_RUN


def test_objects_a_controller_made_or_the_grader_applied_are_not_the_students() -> None:
    mine = {"kind": "Deployment", "metadata": {"name": "web", "labels": {"app": "web"}}}
    pod_of_it = {
        "kind": "Pod",
        "metadata": {"name": "web-1", "ownerReferences": [{"kind": "ReplicaSet"}]},
    }
    graders = {"kind": "Pod", "metadata": {"name": "x", "labels": {LABEL_MANAGED: "true"}}}
    api = {
        "kind": "Service",
        "metadata": {"name": "kubernetes", "labels": {"provider": "kubernetes"}},
    }
    assert is_the_students(mine)
    assert not any(map(is_the_students, (pod_of_it, graders, api, {"kind": "Pod"})))


def test_what_the_server_adds_is_dropped_and_the_students_fields_kept() -> None:
    item = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": "mynginx",
            "uid": "1",
            "resourceVersion": "9",
            "labels": {"a": "b"},
            "managedFields": [{}],
            "creationTimestamp": "2026-12-01T00:00:00Z",
            "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{}"},
        },
        "spec": {"containers": [{"name": "c", "image": "nginx:1.27"}]},
        "status": {"phase": "Running"},
    }
    assert as_manifest(item) == {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "mynginx", "labels": {"a": "b"}},
        "spec": {"containers": [{"name": "c", "image": "nginx:1.27"}]},
    }


def test_the_graders_labels_are_added_and_nothing_else_changes() -> None:
    body = {
        "kind": "Deployment",
        "metadata": {"name": "web", "labels": {"app": "web"}},
        "spec": {"selector": {"matchLabels": {"app": "web"}}},
    }
    [done] = labelled([body], "r1")
    assert done["metadata"]["labels"] == {"app": "web", LABEL_MANAGED: "true", LABEL_RUN: "r1"}
    assert done["spec"] == body["spec"]
    assert body["metadata"]["labels"] == {"app": "web"}  # the submission's own is not changed
    assert labelled([{"kind": "Pod"}], "r1")[0]["metadata"]["labels"][LABEL_RUN] == "r1"


def test_a_run_id_that_looks_like_a_number_stays_a_string_for_kubectl() -> None:
    """Go's YAML reads `09e61234` as a number, where PyYAML writes it unquoted: JSON it is."""
    listed = json.loads(as_list(labelled([{"kind": "Pod"}], "09e61234")))
    assert listed["kind"] == "List"
    assert listed["items"][0]["metadata"]["labels"][LABEL_RUN] == "09e61234"
    made = json.loads(grading_namespace("grader-09e61234-ex4", "09e61234"))
    assert {o["metadata"]["labels"][LABEL_RUN] for o in made["items"]} == {"09e61234"}
