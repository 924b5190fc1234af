"""The live tier's verdicts, on objects shaped exactly as the API server returns them
(JSON as `kubectl get -o json` shows it, deserialised by the official client)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from kubernetes.client import ApiClient

from grader.k8s.cluster import (
    deployment_verdict,
    grading_namespace,
    job_verdict,
    pod_verdict,
    ready_endpoints,
)


def api_object(kind: str, data: dict[str, Any]) -> Any:
    return ApiClient().deserialize(json.dumps(data), kind, "application/json")


def deployment(
    *, replicas: int, ready: int | None, updated: int, generation: int = 2, observed: int = 2
) -> Any:
    status: dict[str, Any] = {
        "observedGeneration": observed,
        "replicas": replicas,
        "updatedReplicas": updated,
    }
    if ready is not None:
        status["readyReplicas"] = ready
        status["availableReplicas"] = ready
    return api_object(
        "V1Deployment",
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "nginx", "namespace": "grader-x-ex4", "generation": generation},
            "spec": {
                "replicas": replicas,
                "selector": {"matchLabels": {"app": "nginx"}},
                "template": {
                    "metadata": {"labels": {"app": "nginx"}},
                    "spec": {"containers": [{"name": "nginx", "image": "nginx:1.27"}]},
                },
            },
            "status": status,
        },
    )


def test_a_deployment_is_ready_when_every_replica_of_the_latest_generation_is() -> None:
    assert deployment_verdict(deployment(replicas=2, ready=2, updated=2)) == (True, "2/2 ready")
    assert deployment_verdict(deployment(replicas=2, ready=1, updated=2)) == (False, "1/2 ready")
    # a fresh Deployment: no readyReplicas field at all yet
    assert deployment_verdict(deployment(replicas=3, ready=None, updated=0))[0] is False
    # ready replicas of the previous generation do not count
    old = deployment(replicas=2, ready=2, updated=2, generation=3, observed=2)
    assert deployment_verdict(old)[0] is False


def pod(
    phase: str, *, ready: bool, waiting: str | None = None, terminated: dict[str, Any] | None = None
) -> Any:
    state: dict[str, Any] = {"running": {"startedAt": "2026-11-23T12:00:00Z"}}
    if waiting:
        state = {"waiting": {"reason": waiting, "message": "Back-off pulling image"}}
    if terminated:
        state = {"terminated": terminated}
    return api_object(
        "V1Pod",
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "nginx-7c5ddbdf54-x2x9z"},
            "spec": {"containers": [{"name": "nginx", "image": "nginx:1.27"}]},
            "status": {
                "phase": phase,
                "conditions": [{"type": "Ready", "status": "True" if ready else "False"}],
                "containerStatuses": [
                    {
                        "name": "nginx",
                        "ready": ready,
                        "restartCount": 0,
                        "image": "nginx:1.27",
                        "imageID": "",
                        "state": state,
                    }
                ],
            },
        },
    )


def test_a_pod_verdict_names_the_reason_kubectl_would_show() -> None:
    assert pod_verdict(pod("Running", ready=True)) == (True, "Running, Ready")
    assert pod_verdict(pod("Pending", ready=False, waiting="ImagePullBackOff")) == (
        False,
        "ImagePullBackOff",
    )
    crashed = {"reason": "Error", "exitCode": 1, "startedAt": None, "finishedAt": None}
    assert pod_verdict(pod("Running", ready=False, terminated=crashed)) == (
        False,
        "Error (exit 1)",
    )


def job(*, completions: int, succeeded: int, failed: int = 0, condition: str | None) -> Any:
    status: dict[str, Any] = {"succeeded": succeeded, "failed": failed}
    if condition:
        status["conditions"] = [{"type": condition, "status": "True"}]
    return api_object(
        "V1Job",
        {
            "apiVersion": "batch/v1",
            "kind": "Job",
            "metadata": {"name": "pi"},
            "spec": {
                "completions": completions,
                "parallelism": 2,
                "template": {
                    "spec": {
                        "restartPolicy": "Never",
                        "containers": [{"name": "pi", "image": "perl:5.34"}],
                    }
                },
            },
            "status": status,
        },
    )


def test_a_job_is_complete_failed_or_still_running() -> None:
    assert job_verdict(job(completions=5, succeeded=5, condition="Complete"))[0] is True
    assert job_verdict(job(completions=5, succeeded=2, failed=7, condition="Failed"))[0] is False
    assert job_verdict(job(completions=5, succeeded=3, condition=None)) == (
        None,
        "3/5 succeeded, 0 failed",
    )


def test_ready_endpoints_are_counted_from_endpoint_slices() -> None:
    endpoint_slice = api_object(
        "V1EndpointSlice",
        {
            "apiVersion": "discovery.k8s.io/v1",
            "kind": "EndpointSlice",
            "addressType": "IPv4",
            "metadata": {"name": "nginx-abcde", "labels": {"kubernetes.io/service-name": "nginx"}},
            "endpoints": [
                {"addresses": ["10.244.0.5"], "conditions": {"ready": True}},
                {"addresses": ["10.244.0.6"], "conditions": {"ready": False}},
                {"addresses": ["10.244.0.7"], "conditions": {}},
            ],
            "ports": [{"name": "http", "port": 80, "protocol": "TCP"}],
        },
    )
    assert ready_endpoints([endpoint_slice]) == 2
    assert ready_endpoints([]) == 0


def test_the_namespace_of_a_submission_carries_the_run_labels() -> None:
    made = json.loads(grading_namespace("grader-ab12-ex4", "ab12"))
    [body] = [item for item in made["items"] if item["kind"] == "Namespace"]
    assert body["metadata"]["labels"] == {"fr.grader.managed": "true", "fr.grader.run": "ab12"}


def test_kind_on_a_local_engine_keeps_the_plain_configuration() -> None:
    from grader.k8s.cluster import KIND_CONFIG, kind_config

    assert kind_config("localhost") == KIND_CONFIG
    assert "apiServerAddress" not in KIND_CONFIG


def test_kind_on_gitlab_dind_listens_on_the_service_host_with_it_in_the_certificate(
    tmp_path: Path,
) -> None:
    import yaml

    from grader.k8s.cluster import KIND_API_PORT, kind_config, point_kubeconfig_at

    config = yaml.safe_load(kind_config("docker"))
    assert config["kind"] == "Cluster" and config["nodes"][0]["role"] == "control-plane"
    assert config["networking"] == {"apiServerAddress": "0.0.0.0", "apiServerPort": KIND_API_PORT}
    [patch] = config["kubeadmConfigPatches"]
    assert yaml.safe_load(patch)["apiServer"]["certSANs"][0] == "docker"
    assert config["nodes"][0]["extraPortMappings"][0]["hostPort"] == 8480  # Ingress, on docker:8480
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(
        f"clusters:\n- cluster:\n    server: https://0.0.0.0:{KIND_API_PORT}\n  name: kind-g\n"
    )
    point_kubeconfig_at(kubeconfig, "docker")
    assert (
        yaml.safe_load(kubeconfig.read_text())["clusters"][0]["cluster"]["server"]
        == f"https://docker:{KIND_API_PORT}"
    )
