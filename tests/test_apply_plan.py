"""What of a submission is applied to its grading namespace (grader.k8s.apply_plan)."""

from __future__ import annotations

from pathlib import Path

from grader.k8s import apply_plan, policy
from grader.k8s.cluster import KubectlResult
from grader.k8s.manifests import load

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: nginx, image: "nginx:1.27"}]}
"""
NAMESPACE = "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n"
HPA = """\
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  maxReplicas: 5
"""
LOAD_BALANCER = """\
apiVersion: v1
kind: Service
metadata: {name: web}
spec: {type: LoadBalancer, selector: {app: web}, ports: [{port: 80}]}
"""


def _plan(
    tmp_path: Path, *docs: str, served: apply_plan.Served = lambda a, k: True
) -> apply_plan.Plan:
    (tmp_path / "all.yaml").write_text("---\n".join(docs), encoding="utf-8")
    return apply_plan.plan(load(tmp_path), namespace="grading-1", served=served)


def test_a_students_namespace_is_not_created_and_its_objects_go_to_the_grading_one(
    tmp_path: Path,
) -> None:
    found = _plan(tmp_path, NAMESPACE, DEPLOYMENT)
    assert found.changed
    assert [b["kind"] for b in found.bodies] == ["Deployment"]
    assert found.bodies[0]["metadata"]["namespace"] == "grading-1"
    assert [(n.key, n.params["names"]) for n in found.notes] == [
        ("common.k8s_namespace_mapped", "shop")
    ]


def test_a_namespace_is_no_policy_refusal_but_other_cluster_scoped_kinds_are(
    tmp_path: Path,
) -> None:
    (tmp_path / "all.yaml").write_text(
        NAMESPACE + "---\napiVersion: v1\nkind: PersistentVolume\nmetadata: {name: pv}\n",
        encoding="utf-8",
    )
    refused = policy.manifest_violations(load(tmp_path))
    assert [(v.where, v.rule) for v in refused] == [("PersistentVolume/pv", "cluster_scoped")]


def test_an_object_whose_api_the_cluster_does_not_serve_is_left_out_with_a_note(
    tmp_path: Path,
) -> None:
    found = _plan(tmp_path, DEPLOYMENT, HPA, served=lambda api, kind: api != "autoscaling/v2")
    assert [b["kind"] for b in found.bodies] == ["Deployment"]
    notes = {n.key: n.params for n in found.notes}
    assert notes["common.k8s_api_not_served"] == {
        "api": "autoscaling/v2",
        "objects": "HorizontalPodAutoscaler/web",
    }


def test_a_submission_the_cluster_takes_as_written_is_applied_unchanged(tmp_path: Path) -> None:
    found = _plan(tmp_path, LOAD_BALANCER)
    assert not found.changed
    assert [n.key for n in found.notes] == ["common.k8s_loadbalancer"]


def test_discovery_asks_each_group_version_once() -> None:
    asked: list[str] = []

    def kubectl(*args: str, timeout: int = 0) -> KubectlResult:
        asked.append(args[-1])
        if args[-1] == "/apis/autoscaling/v2":
            return KubectlResult(False, "Error from server (NotFound): the server could not find")
        return KubectlResult(True, '{"resources": [{"kind": "HorizontalPodAutoscaler"}]}')

    served = apply_plan.discovery(kubectl)
    assert not served("autoscaling/v2", "HorizontalPodAutoscaler")
    assert served("autoscaling/v1", "HorizontalPodAutoscaler")
    assert not served("autoscaling/v1", "Deployment")
    assert served("autoscaling/v1", "HorizontalPodAutoscaler")
    assert asked == ["/apis/autoscaling/v2", "/apis/autoscaling/v1"]


def test_a_refusal_by_the_graders_quota_says_it_is_the_graders_rule() -> None:
    said = apply_plan.grader_limit(
        "Error from server (Forbidden): exceeded quota: grader-quota, requested: pods=1"
    )
    assert said is not None and said.key == "common.k8s_grader_limit"
    assert "limits.memory=12Gi" in said.params["quota"]
    assert apply_plan.grader_limit("Deployment.apps is invalid: spec.selector") is None
