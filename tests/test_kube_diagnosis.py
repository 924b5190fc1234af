"""Why a Kubernetes wait ended badly, on pods and events shaped exactly as the API server returns
them (JSON as `kubectl get pod -o json` / `kubectl get events -o json` show it, deserialised by
the official client)."""

from __future__ import annotations

import json
import string
from typing import Any

import pytest
from kubernetes.client import ApiClient

from grader.k8s.kube_diagnosis import (
    diagnose_job,
    diagnose_pods,
    diagnose_replica_failures,
    is_hopeless,
    service_without_endpoints,
)
from grader.model.catalogue import Catalogue
from grader.model.hints import LANGS, Hint

NS = "grader-ab12-ex4"
POD = "web-7c5ddbdf54-x2x9z"
MESSAGES = Catalogue.load().messages()
NEW_KEYS = (
    "k8s_image_pull",
    "k8s_crash_loop",
    "k8s_oom_killed",
    "k8s_config_error",
    "k8s_unschedulable",
    "k8s_readiness_failing",
    "k8s_not_ready_yet",
    "k8s_failed_create",
    "k8s_job_failed",
    "k8s_service_no_endpoints",
    "k8s_no_logs",
)


def api_object(kind: str, data: dict[str, Any]) -> Any:
    return ApiClient().deserialize(json.dumps(data), kind, "application/json")


def placeholders(key: str, lang: str) -> set[str]:
    text = MESSAGES.text(f"common.{key}", lang) or ""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def expect(found: Hint | None, key: str) -> dict[str, Any]:
    """The hint is `common.<key>` and fills exactly the placeholders of its message."""
    assert found is not None, f"expected common.{key}, got None"
    assert found.key == f"common.{key}", found
    assert set(found.params) == placeholders(key, "fr") == placeholders(key, "en")
    return dict(found.params)


# --- API-shaped objects -----------------------------------------------------------------------


def container_spec(**extra: Any) -> dict[str, Any]:
    return {
        "name": "web",
        "image": "nginx:1.27",
        "imagePullPolicy": "IfNotPresent",
        "ports": [{"containerPort": 80, "protocol": "TCP"}],
        "resources": {},
        "terminationMessagePath": "/dev/termination-log",
        "terminationMessagePolicy": "File",
        **extra,
    }


def container_status(
    state: dict[str, Any],
    *,
    ready: bool = False,
    restarts: int = 0,
    last: dict[str, Any] | None = None,
    image: str = "nginx:1.27",
    name: str = "web",
) -> dict[str, Any]:
    return {
        "name": name,
        "image": image,
        "imageID": "",
        "ready": ready,
        "started": ready,
        "restartCount": restarts,
        "state": state,
        "lastState": last or {},
        "containerID": "containerd://3f1c9a" if "waiting" not in state else None,
    }


def pod(
    phase: str,
    statuses: list[dict[str, Any]] | None = None,
    *,
    ready: bool = False,
    name: str = POD,
    containers: list[dict[str, Any]] | None = None,
    conditions: list[dict[str, Any]] | None = None,
    labels: dict[str, str] | None = None,
    restart_policy: str = "Always",
) -> Any:
    flag = "True" if ready else "False"
    scheduled = [
        {"type": "PodScheduled", "status": "True", "lastTransitionTime": "2026-11-23T12:00:00Z"}
    ]
    status: dict[str, Any] = {
        "phase": phase,
        "hostIP": "172.18.0.2",
        "podIP": "10.244.0.7",
        "qosClass": "BestEffort",
        "startTime": "2026-11-23T12:00:00Z",
        "conditions": conditions
        if conditions is not None
        else [
            *scheduled,
            {"type": "Initialized", "status": "True", "lastTransitionTime": "2026-11-23T12:00:00Z"},
            {
                "type": "Ready",
                "status": flag,
                "lastTransitionTime": "2026-11-23T12:00:01Z",
                **(
                    {}
                    if ready
                    else {
                        "reason": "ContainersNotReady",
                        "message": "containers with unready status: [web]",
                    }
                ),
            },
            {
                "type": "ContainersReady",
                "status": flag,
                "lastTransitionTime": "2026-11-23T12:00:01Z",
            },
        ],
    }
    if statuses is not None:
        status["containerStatuses"] = statuses
    return api_object(
        "V1Pod",
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {
                "name": name,
                "namespace": NS,
                "uid": "0b9f6a2e",
                "generateName": "web-7c5ddbdf54-",
                "creationTimestamp": "2026-11-23T12:00:00Z",
                "labels": labels
                if labels is not None
                else {"app": "web", "pod-template-hash": "7c5ddbdf54"},
                "ownerReferences": [
                    {
                        "apiVersion": "apps/v1",
                        "kind": "ReplicaSet",
                        "name": "web-7c5ddbdf54",
                        "uid": "5d1e",
                        "controller": True,
                        "blockOwnerDeletion": True,
                    }
                ],
            },
            "spec": {
                "containers": containers or [container_spec()],
                "restartPolicy": restart_policy,
                "dnsPolicy": "ClusterFirst",
                "nodeName": "grader-control-plane",
                "schedulerName": "default-scheduler",
                "serviceAccountName": "default",
            },
            "status": status,
        },
    )


RUNNING = {"running": {"startedAt": "2026-11-23T12:00:01Z"}}


def healthy(name: str = POD) -> Any:
    return pod("Running", [container_status(RUNNING, ready=True)], ready=True, name=name)


def event(
    reason: str,
    message: str,
    *,
    name: str = POD,
    kind: str = "Pod",
    kind_of: str = "Warning",
    container: str | None = "web",
    count: int = 1,
    at: str = "2026-11-23T12:00:30Z",
) -> Any:
    involved: dict[str, Any] = {
        "kind": kind,
        "namespace": NS,
        "name": name,
        "uid": "0b9f6a2e",
        "apiVersion": "v1" if kind == "Pod" else "apps/v1",
    }
    if kind == "Pod" and container:
        involved["fieldPath"] = f"spec.containers{{{container}}}"
    source = "kubelet" if kind == "Pod" else f"{kind.lower()}-controller"
    return api_object(
        "CoreV1Event",
        {
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": {
                "name": f"{name}.17a9b3c2d4e5f6a7",
                "namespace": NS,
                "creationTimestamp": at,
            },
            "involvedObject": involved,
            "reason": reason,
            "message": message,
            "type": kind_of,
            "count": count,
            "firstTimestamp": "2026-11-23T12:00:02Z",
            "lastTimestamp": at,
            "eventTime": None,
            "reportingComponent": source,
            "reportingInstance": "",
            "source": {"component": source, "host": "grader-control-plane"},
        },
    )


def no_logs(pod: str, container: str) -> str:
    raise AssertionError("logs are not needed here")


# --- image pulls --------------------------------------------------------------------------------

PULL_FAILED = (
    'Failed to pull image "nginx:1.277": rpc error: code = NotFound desc = failed to pull and '
    'unpack image "docker.io/library/nginx:1.277": failed to resolve reference '
    '"docker.io/library/nginx:1.277": docker.io/library/nginx:1.277: not found'
)
PULL_EVENTS = [
    event(
        "Scheduled",
        f"Successfully assigned {NS}/{POD} to grader-control-plane",
        kind_of="Normal",
        container=None,
        at="2026-11-23T12:00:00Z",
    ),
    event("Pulling", 'Pulling image "nginx:1.277"', kind_of="Normal", at="2026-11-23T12:00:01Z"),
    event("Failed", PULL_FAILED, at="2026-11-23T12:00:03Z"),
    event("Failed", "Error: ErrImagePull", at="2026-11-23T12:00:03Z"),
    event("BackOff", 'Back-off pulling image "nginx:1.277"', kind_of="Normal"),
    event("Failed", "Error: ImagePullBackOff"),
]


@pytest.mark.parametrize("reason", ["ErrImagePull", "ImagePullBackOff"])
def test_an_image_that_cannot_be_pulled_is_named_with_the_kubelet_s_words(reason: str) -> None:
    waiting = {"waiting": {"reason": reason, "message": 'Back-off pulling image "nginx:1.277"'}}
    pulling = pod("Pending", [container_status(waiting, image="nginx:1.277")])
    params = expect(diagnose_pods([pulling], PULL_EVENTS, logs=no_logs), "k8s_image_pull")
    assert params["image"] == "nginx:1.277" and params["container"] == "web"
    assert params["reason"] == reason and params["pod"] == POD
    assert params["error"].startswith('Failed to pull image "nginx:1.277": failed to pull')
    assert params["error"].endswith("not found") and "rpc error" not in params["error"]


def test_an_invalid_image_name_is_explained_without_any_event() -> None:
    message = (
        'Failed to apply default image tag "Nginx:1.27": couldn\'t parse image reference '
        '"Nginx:1.27": invalid reference format: repository name must be lowercase'
    )
    waiting = {"waiting": {"reason": "InvalidImageName", "message": message}}
    broken = pod(
        "Pending",
        [container_status(waiting, image="Nginx:1.27")],
        containers=[container_spec(image="Nginx:1.27")],
    )
    params = expect(diagnose_pods([broken], []), "k8s_image_pull")
    assert params["image"] == "Nginx:1.27" and "must be lowercase" in params["error"]


def test_the_image_comes_from_the_spec_when_the_status_has_none() -> None:
    status = container_status({"waiting": {"reason": "ErrImagePull"}}, image="")
    broken = pod("Pending", [status], containers=[container_spec(image="registry.local/app:v2")])
    params = expect(diagnose_pods([broken], []), "k8s_image_pull")
    assert params["image"] == "registry.local/app:v2" and params["error"] == "—"


# --- crashes ----------------------------------------------------------------------------------------

CRASHED = {
    "terminated": {
        "exitCode": 1,
        "reason": "Error",
        "startedAt": "2026-11-23T12:01:00Z",
        "finishedAt": "2026-11-23T12:01:01Z",
        "containerID": "containerd://9a",
    }
}
LOOPING = {
    "waiting": {
        "reason": "CrashLoopBackOff",
        "message": f"back-off 40s restarting failed container=web pod={POD}_{NS}(0b9f6a2e)",
    }
}


def test_a_crash_loop_gives_the_exit_code_the_reason_and_the_last_log_lines() -> None:
    asked: list[tuple[str, str]] = []

    def logs(pod_name: str, container: str) -> str:
        asked.append((pod_name, container))
        return "".join(f"line {n}\n" for n in range(1, 11)) + "Error: DATABASE_URL is not set\n"

    crashing = pod("Running", [container_status(LOOPING, restarts=3, last=CRASHED)])
    events = [event("BackOff", "Back-off restarting failed container web in pod " + POD)]
    params = expect(diagnose_pods([crashing], events, logs=logs), "k8s_crash_loop")
    assert (params["code"], params["reason"], params["restarts"]) == (1, "Error", 3)
    assert params["logs"] == "line 7\nline 8\nline 9\nline 10\nError: DATABASE_URL is not set"
    assert asked == [(POD, "web")]


def test_a_container_that_ended_with_an_error_counts_as_a_crash_even_before_the_back_off() -> None:
    ended = pod("Failed", [container_status(CRASHED)], restart_policy="Never")
    params = expect(diagnose_pods([ended], [], logs=lambda p, c: "boom"), "k8s_crash_loop")
    assert (params["code"], params["logs"]) == (1, "boom")


def test_a_program_that_ends_well_in_a_deployment_loops_with_exit_code_0() -> None:
    completed = {
        "terminated": {"exitCode": 0, "reason": "Completed", "startedAt": None, "finishedAt": None}
    }
    looping = pod("Running", [container_status(LOOPING, restarts=5, last=completed)])
    params = expect(diagnose_pods([looping], [], logs=lambda p, c: ""), "k8s_crash_loop")
    assert (params["code"], params["reason"]) == (0, "Completed")
    assert isinstance(params["logs"], Hint) and params["logs"].key == "common.k8s_no_logs"


def test_the_runtime_s_reason_is_kept_and_long_logs_are_cut_to_their_end() -> None:
    refused = {
        "terminated": {
            "exitCode": 128,
            "reason": "StartError",
            "startedAt": None,
            "finishedAt": None,
            "message": "failed to create containerd task: "
            'exec: "/start.sh": permission denied: unknown',
        }
    }
    crashing = pod("Running", [container_status(LOOPING, restarts=2, last=refused)])
    params = expect(diagnose_pods([crashing], [], logs=lambda p, c: "x" * 1000), "k8s_crash_loop")
    assert params["reason"].startswith("StartError: ") and "permission denied" in params["reason"]
    assert len(params["logs"]) <= 401 and params["logs"].startswith("…x")


def test_logs_that_cannot_be_read_do_not_hide_the_diagnosis() -> None:
    def refusing(pod_name: str, container: str) -> str:
        raise RuntimeError('previous terminated container "web" in pod not found')

    crashing = pod("Running", [container_status(LOOPING, restarts=1, last=CRASHED)])
    params = expect(diagnose_pods([crashing], [], logs=refusing), "k8s_crash_loop")
    assert params["logs"].key == "common.k8s_no_logs"
    unread = expect(diagnose_pods([crashing], []), "k8s_crash_loop")  # no `logs` given
    assert unread["logs"].key == "common.k8s_no_logs"


def test_an_out_of_memory_kill_gets_its_own_hint_with_the_limit() -> None:
    killed = {
        "terminated": {
            "exitCode": 137,
            "reason": "OOMKilled",
            "startedAt": None,
            "finishedAt": None,
        }
    }
    limited = container_spec(
        resources={"limits": {"memory": "64Mi"}, "requests": {"memory": "32Mi"}}
    )
    crashing = pod(
        "Running", [container_status(LOOPING, restarts=2, last=killed)], containers=[limited]
    )
    params = expect(diagnose_pods([crashing], [], logs=no_logs), "k8s_oom_killed")
    assert (params["code"], params["limit"], params["container"]) == (137, "64Mi", "web")


# --- configuration, scheduling, readiness ------------------------------------------------------------


def test_a_missing_config_map_is_named() -> None:
    waiting = {
        "waiting": {
            "reason": "CreateContainerConfigError",
            "message": 'configmap "app-config" not found',
        }
    }
    stuck = pod("Pending", [container_status(waiting)])
    events = [event("Failed", 'Error: configmap "app-config" not found', count=4)]
    params = expect(diagnose_pods([stuck], events), "k8s_config_error")
    assert params["error"] == 'configmap "app-config" not found' and params["container"] == "web"


def test_a_volume_whose_secret_is_missing_is_a_config_error_too() -> None:
    creating = {"waiting": {"reason": "ContainerCreating"}}
    stuck = pod("Pending", [container_status(creating)])
    events = [
        event(
            "FailedMount",
            'MountVolume.SetUp failed for volume "kube-api-access-8x2kq" : '
            'object "grader-ab12-ex4"/"kube-root-ca.crt" not registered',
            container=None,
            at="2026-11-23T12:00:01Z",
        ),
        event(
            "FailedMount",
            'MountVolume.SetUp failed for volume "db" : secret "db-password" not found',
            container=None,
            count=6,
        ),
    ]
    params = expect(diagnose_pods([stuck], events), "k8s_config_error")
    assert params["error"].endswith('secret "db-password" not found')


def test_a_pod_that_fits_on_no_node_gives_the_scheduler_s_message() -> None:
    message = (
        "0/1 nodes are available: 1 Insufficient memory. preemption: 0/1 nodes are "
        "available: 1 No preemption victims found for incoming pod."
    )
    pending = pod(
        "Pending",
        None,
        conditions=[
            {
                "type": "PodScheduled",
                "status": "False",
                "reason": "Unschedulable",
                "message": message,
                "lastTransitionTime": "2026-11-23T12:00:00Z",
            },
        ],
    )
    events = [event("FailedScheduling", message, container=None)]
    params = expect(diagnose_pods([pending], events), "k8s_unschedulable")
    assert params["error"] == message


PROBE_FAILED = (
    'Readiness probe failed: Get "http://10.244.0.7:8080/healthz": dial tcp '
    "10.244.0.7:8080: connect: connection refused"
)


def test_a_failing_readiness_probe_names_its_port_and_the_declared_ones() -> None:
    probed = container_spec(
        readinessProbe={
            "httpGet": {"path": "/healthz", "port": 8080, "scheme": "HTTP"},
            "periodSeconds": 5,
            "failureThreshold": 3,
        }
    )
    unready = pod("Running", [container_status(RUNNING)], containers=[probed])
    events = [event("Unhealthy", PROBE_FAILED, count=12)]
    params = expect(diagnose_pods([unready], events, logs=no_logs), "k8s_readiness_failing")
    assert (params["container"], params["port"], params["declared"]) == ("web", 8080, "80")
    assert params["probe"] == "httpGet /healthz"
    assert params["error"].endswith("connect: connection refused")
    assert not params["error"].startswith("Readiness")


def test_a_probe_on_a_named_port_keeps_the_name() -> None:
    probed = container_spec(
        ports=[{"name": "http", "containerPort": 8000, "protocol": "TCP"}],
        readinessProbe={"tcpSocket": {"port": "web"}},
    )
    unready = pod("Running", [container_status(RUNNING)], containers=[probed])
    events = [
        event(
            "Unhealthy",
            "Readiness probe failed: dial tcp 10.244.0.7:80: connect: connection refused",
        )
    ]
    params = expect(diagnose_pods([unready], events), "k8s_readiness_failing")
    assert (params["probe"], params["port"]) == ("tcpSocket", "web")
    assert params["declared"] == "8000 (http)"


def test_a_pod_not_ready_without_any_visible_cause_is_just_not_ready_yet() -> None:
    unready = pod("Running", [container_status(RUNNING)])
    liveness = event("Unhealthy", "Liveness probe failed: HTTP probe failed with statuscode: 500")
    params = expect(
        diagnose_pods([healthy("web-7c5ddbdf54-abcde"), unready], [liveness]), "k8s_not_ready_yet"
    )
    assert (params["pod"], params["status"]) == (POD, "Running, READY 0/1")
    creating = pod("Pending", [container_status({"waiting": {"reason": "ContainerCreating"}})])
    params = expect(diagnose_pods([creating], []), "k8s_not_ready_yet")
    assert params["status"] == "ContainerCreating"


def test_running_and_ready_pods_need_no_explanation() -> None:
    assert diagnose_pods([healthy(), healthy("web-7c5ddbdf54-abcde")], PULL_EVENTS) is None
    assert diagnose_pods([], []) is None
    done = pod(
        "Succeeded",
        [
            container_status(
                {
                    "terminated": {
                        "exitCode": 0,
                        "reason": "Completed",
                        "startedAt": None,
                        "finishedAt": None,
                    }
                }
            )
        ],
    )
    assert diagnose_pods([done], []) is None


def test_the_most_telling_cause_wins_whatever_the_order_of_the_pods() -> None:
    crashing = pod("Running", [container_status(LOOPING, restarts=3, last=CRASHED)], name="a")
    pulling = pod(
        "Pending", [container_status({"waiting": {"reason": "ImagePullBackOff"}})], name="b"
    )
    probed = container_spec(readinessProbe={"httpGet": {"path": "/", "port": 8080}})
    unready = pod("Running", [container_status(RUNNING)], containers=[probed], name="c")
    events = [event("Unhealthy", PROBE_FAILED, name="c")]

    def key(pods: list[Any]) -> str | None:
        found = diagnose_pods(pods, events, logs=lambda p, c: "crashed")
        return found.key if found is not None else None

    assert key([unready, crashing, pulling]) == "common.k8s_image_pull"
    assert key([unready, crashing]) == "common.k8s_crash_loop"
    assert key([unready]) == "common.k8s_readiness_failing"


# --- pods that could not be created ------------------------------------------------------------------

QUOTA = (
    'pods "web-7c5ddbdf54-k9wq2" is forbidden: exceeded quota: compute-quota, requested: '
    "limits.memory=2Gi, used: limits.memory=0, limited: limits.memory=1Gi"
)
NO_ACCOUNT = (
    f'pods "web-7c5ddbdf54-" is forbidden: error looking up service account {NS}/default: '
    'serviceaccount "default" not found'
)
PSA = (
    'pods "web-7c5ddbdf54-k9wq2" is forbidden: violates PodSecurity "restricted:latest": '
    'allowPrivilegeEscalation != false (container "web" must set '
    "securityContext.allowPrivilegeEscalation=false)"
)


def replica_set_event(reason: str, message: str, at: str, *, kind_of: str = "Warning") -> Any:
    return event(reason, message, name="web-7c5ddbdf54", kind="ReplicaSet", kind_of=kind_of, at=at)


def test_a_replica_set_refused_by_the_quota_is_explained_when_there_are_no_pods() -> None:
    events = [replica_set_event("FailedCreate", QUOTA, "2026-11-23T12:00:05Z")]
    params = expect(diagnose_pods([], events), "k8s_failed_create")
    assert params == {"object": "ReplicaSet/web-7c5ddbdf54", "error": QUOTA}
    assert diagnose_replica_failures(events) == diagnose_pods([], events)


def test_a_failed_create_after_the_pod_causes_and_before_not_ready_yet() -> None:
    events = [
        replica_set_event("SuccessfulCreate", "Created pod: " + POD, "2026-11-23T12:00:01Z"),
        replica_set_event("FailedCreate", QUOTA, "2026-11-23T12:00:05Z"),
    ]
    unready = pod("Running", [container_status(RUNNING)])
    assert expect(diagnose_pods([healthy(), unready], events), "k8s_failed_create")
    pulling = pod("Pending", [container_status({"waiting": {"reason": "ErrImagePull"}})])
    assert expect(diagnose_pods([pulling], events), "k8s_image_pull")


def test_the_first_try_of_a_fresh_namespace_without_its_service_account_is_forgotten() -> None:
    events = [
        replica_set_event("FailedCreate", NO_ACCOUNT, "2026-11-23T12:00:00Z"),
        replica_set_event(
            "SuccessfulCreate", "Created pod: " + POD, "2026-11-23T12:00:01Z", kind_of="Normal"
        ),
    ]
    assert diagnose_replica_failures(events) is None
    assert diagnose_pods([healthy()], events) is None
    assert not is_hopeless([healthy()], events)


# --- Jobs ---------------------------------------------------------------------------------------------


def job(*, failed: int, conditions: list[dict[str, Any]] | None = None) -> Any:
    return api_object(
        "V1Job",
        {
            "apiVersion": "batch/v1",
            "kind": "Job",
            "metadata": {"name": "pi", "namespace": NS, "labels": {"job-name": "pi"}},
            "spec": {
                "backoffLimit": 2,
                "completions": 1,
                "parallelism": 1,
                "template": {
                    "spec": {
                        "restartPolicy": "Never",
                        "containers": [{"name": "pi", "image": "perl:5.34"}],
                    }
                },
            },
            "status": {
                "failed": failed,
                "startTime": "2026-11-23T12:00:00Z",
                **({"conditions": conditions} if conditions else {}),
            },
        },
    )


def job_pod(name: str, code: int, finished: str) -> Any:
    ended = {
        "terminated": {
            "exitCode": code,
            "reason": "Error",
            "startedAt": "2026-11-23T12:00:00Z",
            "finishedAt": finished,
        }
    }
    return pod(
        "Failed",
        [container_status(ended, name="pi", image="perl:5.34")],
        name=name,
        containers=[{"name": "pi", "image": "perl:5.34"}],
        restart_policy="Never",
        labels={"job-name": "pi", "batch.kubernetes.io/job-name": "pi"},
    )


BACKOFF_LIMIT = {
    "type": "Failed",
    "status": "True",
    "reason": "BackoffLimitExceeded",
    "message": "Job has reached the specified backoff limit",
    "lastTransitionTime": "2026-11-23T12:01:00Z",
}


def test_a_failed_job_gives_how_many_failed_and_the_last_exit_code_with_its_logs() -> None:
    pods = [
        job_pod("pi-2x7kq", 2, "2026-11-23T12:00:40Z"),
        job_pod("pi-9wq2m", 3, "2026-11-23T12:00:50Z"),
        job_pod("pi-b8r4t", 2, "2026-11-23T12:00:10Z"),
    ]
    asked: list[tuple[str, str]] = []

    def logs(pod_name: str, container: str) -> str:
        asked.append((pod_name, container))
        return "Can't locate Math/BigFloat.pm in @INC\n"

    events = [
        event(
            "BackoffLimitExceeded",
            "Job has reached the specified backoff limit",
            name="pi",
            kind="Job",
            container=None,
        )
    ]
    params = expect(
        diagnose_job(job(failed=3, conditions=[BACKOFF_LIMIT]), pods, events, logs=logs),
        "k8s_job_failed",
    )
    assert (params["job"], params["failed"], params["code"]) == ("pi", 3, 3)
    assert params["logs"] == "Can't locate Math/BigFloat.pm in @INC"
    assert asked == [("pi-9wq2m", "pi")]


def test_a_job_without_failed_pods_falls_back_on_the_pods_diagnosis_then_on_its_condition() -> None:
    pulling = pod(
        "Pending",
        [
            container_status(
                {"waiting": {"reason": "ImagePullBackOff"}}, name="pi", image="perl:5.340"
            )
        ],
        containers=[{"name": "pi", "image": "perl:5.340"}],
        name="pi-2x7kq",
    )
    params = expect(diagnose_job(job(failed=0), [pulling], []), "k8s_image_pull")
    assert params["image"] == "perl:5.340"
    deadline = {
        "type": "Failed",
        "status": "True",
        "reason": "DeadlineExceeded",
        "message": "Job was active longer than specified deadline",
    }
    params = expect(diagnose_job(job(failed=1, conditions=[deadline]), [], []), "k8s_job_failed")
    assert (params["failed"], params["code"]) == (1, "—")
    assert params["reason"] == "Job was active longer than specified deadline"
    running = pod(
        "Running",
        [container_status(RUNNING, ready=True, name="pi")],
        ready=True,
        containers=[{"name": "pi", "image": "perl:5.34"}],
    )
    assert diagnose_job(job(failed=0), [running], []) is None


# --- Services -----------------------------------------------------------------------------------------


def service(selector: dict[str, str] | None) -> Any:
    return api_object(
        "V1Service",
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "web", "namespace": NS},
            "spec": {
                "type": "ClusterIP",
                "clusterIP": "10.96.41.7",
                **({"selector": selector} if selector is not None else {}),
                "ports": [{"name": "http", "port": 80, "targetPort": 80, "protocol": "TCP"}],
            },
        },
    )


def test_a_service_that_selects_no_pod_shows_the_labels_the_pods_really_have() -> None:
    pods = [
        pod(
            "Running",
            [container_status(RUNNING, ready=True)],
            ready=True,
            name=n,
            labels={"app": "web-app", "pod-template-hash": "7c5ddbdf54"},
        )
        for n in ("web-7c5ddbdf54-x2x9z", "web-7c5ddbdf54-abcde")
    ]
    params = expect(
        service_without_endpoints(service({"app": "web"}), pods), "k8s_service_no_endpoints"
    )
    assert params == {"service": "web", "selector": "app=web", "labels": "`app=web-app`"}
    none = expect(
        service_without_endpoints(service({"app": "web", "tier": "front"}), []),
        "k8s_service_no_endpoints",
    )
    assert none["selector"] == "app=web,tier=front" and none["labels"] == "—"


def test_a_service_that_selects_pods_is_fine_even_if_they_are_not_ready_yet() -> None:
    starting = pod("Pending", [container_status({"waiting": {"reason": "ContainerCreating"}})])
    assert service_without_endpoints(service({"app": "web"}), [starting]) is None
    assert service_without_endpoints(service({"app": "web"}), [healthy()]) is None
    assert service_without_endpoints(service(None), []) is None  # endpoints written by hand


# --- when to stop waiting -----------------------------------------------------------------------------

CONFIG_WAITING = {
    "waiting": {"reason": "CreateContainerConfigError", "message": 'secret "db" not found'}
}


@pytest.mark.parametrize(
    ("case", "pods", "events"),
    [
        (
            "pull error",
            [pod("Pending", [container_status({"waiting": {"reason": "ErrImagePull"}})])],
            [],
        ),
        (
            "pull backoff",
            [pod("Pending", [container_status({"waiting": {"reason": "ImagePullBackOff"}})])],
            [],
        ),
        (
            "invalid name",
            [pod("Pending", [container_status({"waiting": {"reason": "InvalidImageName"}})])],
            [],
        ),
        ("crash loop", [pod("Running", [container_status(LOOPING, restarts=2, last=CRASHED)])], []),
        (
            "config error, told again",
            [pod("Pending", [container_status(CONFIG_WAITING)])],
            [event("Failed", 'Error: secret "db" not found', count=2)],
        ),
        ("quota", [], [replica_set_event("FailedCreate", QUOTA, "2026-11-23T12:00:05Z")]),
        ("pod security", [], [replica_set_event("FailedCreate", PSA, "2026-11-23T12:00:05Z")]),
        (
            "readiness failed 10 times",
            [pod("Running", [container_status(RUNNING)])],
            [event("Unhealthy", PROBE_FAILED, count=10)],
        ),
        (
            "backoff limit",
            [],
            [
                event(
                    "BackoffLimitExceeded",
                    "Job has reached the specified backoff limit",
                    name="pi",
                    kind="Job",
                    container=None,
                )
            ],
        ),
    ],
)
def test_a_wait_stops_as_soon_as_waiting_cannot_help(
    case: str, pods: list[Any], events: list[Any]
) -> None:
    assert is_hopeless(pods, events), case


@pytest.mark.parametrize(
    ("case", "pods", "events"),
    [
        (
            "creating",
            [pod("Pending", [container_status({"waiting": {"reason": "ContainerCreating"}})])],
            [],
        ),
        (
            "config error, first time",
            [pod("Pending", [container_status(CONFIG_WAITING)])],
            [event("Failed", 'Error: secret "db" not found')],
        ),
        ("config error, no event yet", [pod("Pending", [container_status(CONFIG_WAITING)])], []),
        (
            "no service account yet",
            [],
            [replica_set_event("FailedCreate", NO_ACCOUNT, "2026-11-23T12:00:00Z")],
        ),
        (
            "readiness failing",
            [pod("Running", [container_status(RUNNING)])],
            [event("Unhealthy", PROBE_FAILED)],
        ),
        (
            "readiness failed 9 times",
            [pod("Running", [container_status(RUNNING)])],
            [event("Unhealthy", PROBE_FAILED, count=9)],
        ),
        (
            "unschedulable",
            [
                pod(
                    "Pending",
                    None,
                    conditions=[
                        {"type": "PodScheduled", "status": "False", "reason": "Unschedulable"}
                    ],
                )
            ],
            [],
        ),
        ("ready", [healthy()], []),
        (
            "an old pod going away",
            [
                api_object(
                    "V1Pod",
                    {
                        "metadata": {
                            "name": "web-old",
                            "deletionTimestamp": "2026-11-23T12:00:09Z",
                        },
                        "spec": {"containers": [container_spec()]},
                        "status": {
                            "phase": "Running",
                            "containerStatuses": [container_status(LOOPING)],
                        },
                    },
                )
            ],
            [],
        ),
    ],
)
def test_a_wait_goes_on_while_the_outcome_is_open(
    case: str, pods: list[Any], events: list[Any]
) -> None:
    assert not is_hopeless(pods, events), case


def test_a_job_that_has_given_up_is_hopeless() -> None:
    assert is_hopeless([], [], job=job(failed=3, conditions=[BACKOFF_LIMIT]))
    assert not is_hopeless([], [], job=job(failed=1))


# --- the messages -------------------------------------------------------------------------------------


@pytest.mark.parametrize("key", NEW_KEYS)
def test_every_new_message_has_both_languages_with_the_same_placeholders(key: str) -> None:
    for lang in LANGS:
        assert MESSAGES.text(f"common.{key}", lang), f"{key} has no {lang} text"
    assert placeholders(key, "fr") == placeholders(key, "en")


def test_a_crash_renders_its_log_lines_or_says_there_are_none_in_the_student_s_language() -> None:
    crashing = pod("Running", [container_status(LOOPING, restarts=3, last=CRASHED)])
    with_logs = diagnose_pods([crashing], [], logs=lambda p, c: "panic: no config\n")
    without = diagnose_pods([crashing], [])
    assert with_logs is not None and without is not None
    fr = MESSAGES.render(with_logs, "fr")
    assert "code de sortie 1 (Error)" in fr and "\npanic: no config\n" in fr and "{" not in fr
    assert "(no log lines available)" in MESSAGES.render(without, "en")
    assert "(aucune ligne de journal disponible)" in MESSAGES.render(without, "fr")


GRADER_QUOTA = QUOTA.replace("compute-quota", "grader-quota")


def test_a_quota_held_by_a_deleted_pod_still_terminating_is_no_outcome_yet() -> None:
    """Its replacement is refused until the deleted pod is gone: waiting helps."""
    events = [replica_set_event("FailedCreate", GRADER_QUOTA, "2026-11-23T12:00:05Z")]
    going = healthy()
    going.metadata.deletion_timestamp = "2026-11-23T12:00:04Z"
    assert not is_hopeless([going, healthy("web-2")], events)
    assert is_hopeless([healthy("web-2")], events)


def test_a_refusal_by_the_graders_own_quota_says_it_is_the_graders_rule() -> None:
    events = [replica_set_event("FailedCreate", GRADER_QUOTA, "2026-11-23T12:00:05Z")]
    params = expect(diagnose_pods([], events), "k8s_grader_limit")
    assert params["error"] == GRADER_QUOTA
