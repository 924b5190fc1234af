"""Why a Kubernetes wait ended badly, told to the student from what the cluster saw.

"not ready after 120 s" leaves a beginner with nothing to try. The pods' status and the
namespace's events nearly always hold the real reason — an image tag that does not exist, a
program that exits at once, a missing ConfigMap, a readiness probe on the wrong port — and
this module turns them into one hint, in the order a teacher would look:

    image pull  → crash (OOM apart) → config error → unschedulable → readiness probe
                → FailedCreate (pods that could not be created at all) → not ready yet

`is_hopeless` tells a wait when its outcome is already known, so that it stops early.
The functions take the official client's model objects (`V1Pod`, `CoreV1Event`, `V1Job`,
`V1Service`) as `CoreV1Api.list_namespaced_*(...).items` return them. Pod-level events are
matched to their pod by name; controller-level ones (FailedCreate, BackoffLimitExceeded) are
taken from whatever events are given: pass the namespace's, or only the waited objects'.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from grader.k8s.apply_plan import grader_limit
from grader.k8s.manifests import label_selector
from grader.model.hints import Hint, hint

Logs = Callable[[str, str], str]

IMAGE_PULL = frozenset(
    {"ErrImagePull", "ImagePullBackOff", "InvalidImageName", "ErrImageNeverPull"}
)
CRASH_LOOP = "CrashLoopBackOff"
CONFIG_ERROR = "CreateContainerConfigError"
JOB_GIVEN_UP = frozenset({"BackoffLimitExceeded", "DeadlineExceeded"})
# Labels the controllers add to their pods: noise when showing the student their own labels.
CONTROLLER_LABELS = frozenset(
    {
        "pod-template-hash",
        "controller-revision-hash",
        "controller-uid",
        "job-name",
        "statefulset.kubernetes.io/pod-name",
        "apps.kubernetes.io/pod-index",
        "batch.kubernetes.io/controller-uid",
        "batch.kubernetes.io/job-name",
        "batch.kubernetes.io/job-completion-index",
    }
)
LOG_LINES, LOG_CHARS, MESSAGE_CHARS = 5, 400, 300
READINESS_FAILURES = 10  # failed readiness probes in a row after which a wait gives up

_RPC_NOISE = re.compile(r"rpc error: code = \w+ desc = ")
_BARE_ERROR = re.compile(r"^Error: \w+$")  # the kubelet's "Error: ErrImagePull" echo
_FIELD_CONTAINER = re.compile(r"\{([^}]+)\}")  # spec.containers{web}
_MISSING_SOURCE = re.compile(r'(?:configmap|secret) "[^"]+" not found', re.I)


# --- reading the API objects ------------------------------------------------------------------


def _name(obj: Any) -> str:
    meta = getattr(obj, "metadata", None)
    return str(meta.name) if meta is not None and meta.name else "?"


def _phase(pod: Any) -> str:
    return str(pod.status.phase) if pod.status is not None and pod.status.phase else "Unknown"


def _conditions(pod: Any) -> dict[str, Any]:
    status = pod.status
    return {c.type: c for c in (status.conditions if status is not None else None) or []}


def _statuses(pod: Any) -> list[Any]:
    """The container statuses of a pod, init containers first (they run first)."""
    status = pod.status
    if status is None:
        return []
    return [*(status.init_container_statuses or []), *(status.container_statuses or [])]


def _spec_container(pod: Any, name: str) -> Any | None:
    spec = pod.spec
    containers = [*(spec.init_containers or []), *(spec.containers or [])] if spec else []
    return next((c for c in containers if c.name == name), None)


def _waiting(status: Any) -> Any | None:
    return status.state.waiting if status.state is not None else None


def _failed_run(status: Any) -> Any | None:
    """The container's run that ended with a non-zero exit code, current or previous."""
    for state in (status.state, status.last_state):
        ended = state.terminated if state is not None else None
        if ended is not None and ended.exit_code:
            return ended
    return None


def _ready(pod: Any) -> bool:
    ready = _conditions(pod).get("Ready")
    return ready is not None and ready.status == "True"


def _settled(pod: Any) -> bool:
    """Nothing to explain: the pod runs and is ready, finished well, or is going away."""
    if pod.metadata is not None and pod.metadata.deletion_timestamp is not None:
        return True
    return _phase(pod) == "Succeeded" or (_phase(pod) == "Running" and _ready(pod))


def _when(event: Any) -> float:
    series, meta = event.series, event.metadata
    stamps = (
        series.last_observed_time if series is not None else None,
        event.last_timestamp,
        event.event_time,
        event.first_timestamp,
        meta.creation_timestamp if meta is not None else None,
    )
    return next((s.timestamp() for s in stamps if s is not None), 0.0)


def _in_order(events: Iterable[Any]) -> list[Any]:
    return sorted(events, key=_when)  # stable: events without a time keep the API's order


def _about_pod(events: Iterable[Any], pod: Any) -> list[Any]:
    name = _name(pod)
    return _in_order(
        e
        for e in events
        if e.involved_object is not None
        and e.involved_object.kind == "Pod"
        and e.involved_object.name == name
    )


def _event_container(event: Any) -> str | None:
    found = _FIELD_CONTAINER.search(event.involved_object.field_path or "")
    return found.group(1) if found else None


def _short(text: str, limit: int = MESSAGE_CHARS) -> str:
    flat = " ".join(_RPC_NOISE.sub("", text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _last_lines(logs: Logs | None, pod: str, container: str) -> str | Hint:
    """The container's last log lines (≤ LOG_LINES lines, ≤ LOG_CHARS characters)."""
    if logs is None:
        return hint("common.k8s_no_logs")
    try:
        text = logs(pod, container)
    except Exception:  # the log API may refuse (no previous run, ...): a diagnosis never crashes
        return hint("common.k8s_no_logs")
    lines = "\n".join(text.strip().splitlines()[-LOG_LINES:])
    if len(lines) > LOG_CHARS:
        lines = "…" + lines[-LOG_CHARS:]
    return lines or hint("common.k8s_no_logs")


# --- one cause each ------------------------------------------------------------------------------


def _image_pull(pod: Any, events: list[Any], logs: Logs | None) -> Hint | None:
    for status in _statuses(pod):
        waiting = _waiting(status)
        if waiting is None or waiting.reason not in IMAGE_PULL:
            continue
        spec = _spec_container(pod, status.name)
        image = status.image or (spec.image if spec is not None else None) or "—"
        error = _pull_error(_about_pod(events, pod), status.name) or waiting.message
        return hint(
            "common.k8s_image_pull",
            pod=_name(pod),
            container=status.name,
            image=image,
            reason=waiting.reason,
            error=_short(error) if error else "—",
        )
    return None


def _pull_error(events: list[Any], container: str) -> str | None:
    """The kubelet's own words on the pull ("Failed to pull image …: not found"), if any."""
    told = [
        e.message
        for e in events
        if e.type == "Warning"
        and e.reason in ("Failed", "InspectFailed", "ErrImageNeverPull")
        and e.message
        and not _BARE_ERROR.match(e.message)
        and _event_container(e) in (None, container)
    ]
    return told[-1] if told else None


def _crash(pod: Any, events: list[Any], logs: Logs | None) -> Hint | None:
    for status in _statuses(pod):
        waiting = _waiting(status)
        looping = waiting is not None and waiting.reason == CRASH_LOOP
        ended = _failed_run(status)
        if looping and ended is None and status.last_state is not None:
            ended = status.last_state.terminated  # a program that ends with 0 loops too
        if not (looping or ended is not None):
            continue
        if ended is not None and ended.reason == "OOMKilled":
            return _oom(pod, status.name, ended)
        return hint(
            "common.k8s_crash_loop",
            pod=_name(pod),
            container=status.name,
            code=_code(ended),
            reason=_reason(ended) or CRASH_LOOP,
            restarts=status.restart_count or 0,
            logs=_last_lines(logs, _name(pod), status.name),
        )
    return None


def _code(ended: Any | None) -> Any:
    return ended.exit_code if ended is not None and ended.exit_code is not None else "—"


def _reason(ended: Any | None) -> str | None:
    """`Error`, or `StartError: exec: "/start.sh": permission denied` when the runtime said why."""
    if ended is None or not ended.reason:
        return None
    return f"{ended.reason}: {_short(ended.message)}" if ended.message else str(ended.reason)


def _oom(pod: Any, container: str, ended: Any) -> Hint:
    spec = _spec_container(pod, container)
    limits = spec.resources.limits if spec is not None and spec.resources is not None else None
    limit = (limits or {}).get("memory") or "—"
    return hint(
        "common.k8s_oom_killed", pod=_name(pod), container=container, code=_code(ended), limit=limit
    )


def _config_error(pod: Any, events: list[Any], logs: Logs | None) -> Hint | None:
    for status in _statuses(pod):
        waiting = _waiting(status)
        if waiting is not None and waiting.reason == CONFIG_ERROR:
            return hint(
                "common.k8s_config_error",
                pod=_name(pod),
                container=status.name,
                error=_short(waiting.message or CONFIG_ERROR),
            )
    return _missing_volume_source(pod, events)


def _missing_volume_source(pod: Any, events: list[Any]) -> Hint | None:
    """A pod stuck in ContainerCreating because a volume's ConfigMap or Secret is missing."""
    mounts = [
        e.message
        for e in _about_pod(events, pod)
        if e.reason == "FailedMount" and e.message and _MISSING_SOURCE.search(e.message)
    ]
    if not mounts or _phase(pod) != "Pending":
        return None
    waiting = [s.name for s in _statuses(pod) if _waiting(s) is not None]  # ContainerCreating
    container = waiting[0] if waiting else "—"
    return hint(
        "common.k8s_config_error", pod=_name(pod), container=container, error=_short(mounts[-1])
    )


def _unschedulable(pod: Any, events: list[Any], logs: Logs | None) -> Hint | None:
    scheduled = _conditions(pod).get("PodScheduled")
    if _phase(pod) != "Pending" or scheduled is None or scheduled.status != "False":
        return None
    told = [e.message for e in _about_pod(events, pod) if e.reason == "FailedScheduling"]
    error = scheduled.message or (told[-1] if told else None) or scheduled.reason or "—"
    return hint("common.k8s_unschedulable", pod=_name(pod), error=_short(error))


def _readiness(pod: Any, events: list[Any], logs: Logs | None) -> Hint | None:
    if _phase(pod) != "Running":
        return None
    failing = [
        e
        for e in _about_pod(events, pod)
        if e.reason == "Unhealthy" and (e.message or "").startswith("Readiness probe failed")
    ]
    if not failing:
        return None
    event = failing[-1]
    unready = [s.name for s in _statuses(pod) if not s.ready]
    container = _event_container(event) or (unready[0] if unready else "—")
    spec = _spec_container(pod, container)
    probe, port = _probe(spec.readiness_probe if spec is not None else None)
    error = event.message.removeprefix("Readiness probe failed:").strip() or event.message
    return hint(
        "common.k8s_readiness_failing",
        pod=_name(pod),
        container=container,
        probe=probe,
        port=port,
        declared=_declared_ports(spec),
        error=_short(error),
    )


def _probe(probe: Any | None) -> tuple[str, Any]:
    """("httpGet /healthz", 8080): the probe's kind (and path), and the port it asks."""
    if probe is None:
        return "—", "—"
    if probe.http_get is not None:
        return f"httpGet {probe.http_get.path or '/'}", probe.http_get.port
    for kind, action in (("tcpSocket", probe.tcp_socket), ("grpc", probe.grpc)):
        if action is not None:
            return kind, action.port
    return ("exec", "—") if probe._exec is not None else ("—", "—")


def _declared_ports(spec: Any | None) -> str:
    ports = (spec.ports if spec is not None else None) or []
    shown = [f"{p.container_port} ({p.name})" if p.name else str(p.container_port) for p in ports]
    return ", ".join(shown) or "—"


def _not_ready_yet(pod: Any) -> Hint:
    statuses = _statuses(pod)
    waiting = [w.reason for s in statuses if (w := _waiting(s)) is not None and w.reason]
    ready = sum(1 for s in statuses if s.ready)
    status = waiting[0] if waiting else f"{_phase(pod)}, READY {ready}/{len(statuses)}"
    return hint("common.k8s_not_ready_yet", pod=_name(pod), status=status)


_POD_CAUSES: tuple[Callable[[Any, list[Any], Logs | None], Hint | None], ...] = (
    _image_pull,
    _crash,
    _config_error,
    _unschedulable,
    _readiness,
)


# --- what the callers use ---------------------------------------------------------------------


def diagnose_pods(pods: list[Any], events: list[Any], *, logs: Logs | None = None) -> Hint | None:
    """The most telling reason why these pods are not all running and ready, or None.

    `logs(pod, container)` gives a container's last log lines (previous run, or current).
    Each cause is looked for in every pod before the next one: an image that cannot be pulled
    explains more than a sibling pod that is merely slow. With no pods at all, only the
    controllers' FailedCreate events can say why.
    """
    troubled = [p for p in pods if not _settled(p)]
    for cause in _POD_CAUSES:
        for pod in troubled:
            found = cause(pod, events, logs)
            if found is not None:
                return found
    failed = diagnose_replica_failures(events)
    if failed is not None:
        return failed
    return _not_ready_yet(troubled[0]) if troubled else None


def _failed_creates(events: Iterable[Any]) -> list[Any]:
    """The FailedCreate events that are their controller's last word on creating pods (a
    fresh namespace's first attempt often fails before its service account exists)."""
    last: dict[tuple[str, str], Any] = {}
    for event in _in_order(events):
        source = event.involved_object
        if event.reason in ("FailedCreate", "SuccessfulCreate") and source is not None:
            last[(source.kind or "?", source.name or "?")] = event
    return [e for e in last.values() if e.reason == "FailedCreate"]


def diagnose_replica_failures(events: list[Any]) -> Hint | None:
    """A ReplicaSet, Job, StatefulSet… that could not create its pods (quota, admission)."""
    failures = _failed_creates(events)
    if not failures:
        return None
    event = _in_order(failures)[-1]
    source = event.involved_object
    return grader_limit(event.message or "") or hint(
        "common.k8s_failed_create",
        object=f"{source.kind}/{source.name}",
        error=_short(event.message or "FailedCreate"),
    )


def _failed_runs(pod: Any) -> list[tuple[Any, Any]]:
    return [(s, run) for s in _statuses(pod) if (run := _failed_run(s)) is not None]


def _finished_at(run: Any) -> float:
    return run.finished_at.timestamp() if run.finished_at is not None else 0.0


def diagnose_job(
    job: Any, pods: list[Any], events: list[Any], *, logs: Logs | None = None
) -> Hint | None:
    """Why a Job failed or has not finished: its failed pods' exit code and last log lines;
    otherwise what `diagnose_pods` finds; otherwise the Job's own Failed condition."""
    runs = [(pod, status, run) for pod in pods for status, run in _failed_runs(pod)]
    counted = job.status.failed if job.status is not None and job.status.failed else 0
    failed = max(counted, len({_name(pod) for pod, _, _ in runs}))
    if runs:
        pod, status, run = max(runs, key=lambda found: _finished_at(found[2]))
        return hint(
            "common.k8s_job_failed",
            job=_name(job),
            failed=failed,
            code=_code(run),
            reason=_reason(run) or "—",
            logs=_last_lines(logs, _name(pod), status.name),
        )
    found = diagnose_pods(pods, events, logs=logs)
    if found is not None:
        return found
    condition = _job_failed_condition(job)
    if condition is None:
        return None
    return hint(
        "common.k8s_job_failed",
        job=_name(job),
        failed=failed,
        code="—",
        reason=_short(condition.message or condition.reason or "Failed"),
        logs=hint("common.k8s_no_logs"),
    )


def _job_failed_condition(job: Any) -> Any | None:
    conditions = (job.status.conditions if job.status is not None else None) or []
    return next((c for c in conditions if c.type == "Failed" and c.status == "True"), None)


def service_without_endpoints(service: Any, pods: list[Any]) -> Hint | None:
    """A Service whose selector matches none of the namespace's live pods, or None.

    Pods that match but are not running are not this Service's fault: `diagnose_pods` says
    why they are not ready.
    """
    selector: dict[str, str] = (service.spec.selector if service.spec is not None else None) or {}
    if not selector:  # no selector: endpoints managed by hand
        return None
    live = [p for p in pods if not _gone(p)]
    if any(selector.items() <= _labels(p).items() for p in live):
        return None
    seen = sorted({label_selector(_own_labels(p)) for p in live} - {""})
    return hint(
        "common.k8s_service_no_endpoints",
        service=_name(service),
        selector=label_selector(selector),
        labels=", ".join(f"`{s}`" for s in seen) or "—",
    )


def _gone(pod: Any) -> bool:
    deleting = pod.metadata is not None and pod.metadata.deletion_timestamp is not None
    return deleting or _phase(pod) in ("Succeeded", "Failed")


def _labels(pod: Any) -> dict[str, str]:
    return dict((pod.metadata.labels if pod.metadata is not None else None) or {})


def _own_labels(pod: Any) -> dict[str, str]:
    return {k: v for k, v in _labels(pod).items() if k not in CONTROLLER_LABELS}


def _config_error_for_good(pod: Any, events: list[Any]) -> bool:
    """CreateContainerConfigError, and the kubelet's event has told it at least twice: the
    first time can be a ConfigMap that `kubectl apply` creates a moment after the Deployment."""
    errors = [w.message for s in _statuses(pod) if (w := _waiting(s)) and w.reason == CONFIG_ERROR]
    return any(
        e.reason == "Failed"
        and (e.count or 1) >= 2
        and any(m and m in (e.message or "") for m in errors)
        for e in _about_pod(events, pod)
    )


def _readiness_given_up(pod: Any, events: list[Any]) -> bool:
    """A running pod whose readiness probe has failed READINESS_FAILURES times: the program
    answers nothing on the port the probe asks, and waiting longer will not change that."""
    if _phase(pod) != "Running":
        return False
    return any(
        e.reason == "Unhealthy"
        and (e.message or "").startswith("Readiness probe failed")
        and (e.count or 1) >= READINESS_FAILURES
        for e in _about_pod(events, pod)
    )


def _pod_hopeless(pod: Any, events: list[Any]) -> bool:
    reasons = {w.reason for s in _statuses(pod) if (w := _waiting(s)) is not None}
    return (
        bool(reasons & (IMAGE_PULL | {CRASH_LOOP}))
        or _config_error_for_good(pod, events)
        or _readiness_given_up(pod, events)
    )


def _refused_for_good(event: Any, *, terminating: bool) -> bool:
    """Quota or admission refusals stay; a service account not created yet does not, nor a
    quota still held by a pod that is going (a deleted pod counts until it is gone)."""
    message = (event.message or "").lower()
    transient = "service account" in message or "serviceaccount" in message
    quota = "exceeded quota" in message and not terminating
    return quota or ("forbidden" in message and "exceeded quota" not in message and not transient)


def _terminating(pod: Any) -> bool:
    return getattr(getattr(pod, "metadata", None), "deletion_timestamp", None) is not None


def is_hopeless(pods: list[Any], events: list[Any], *, job: Any | None = None) -> bool:
    """True as soon as waiting longer cannot help: an image that cannot be pulled, a crash
    loop, a missing ConfigMap/Secret, a readiness probe failed 10 times, pods the namespace
    refuses to create, a Job given up."""
    return (
        any(_pod_hopeless(p, events) for p in pods if not _settled(p))
        or any(
            _refused_for_good(e, terminating=any(map(_terminating, pods)))
            for e in _failed_creates(events)
        )
        or any(e.reason in JOB_GIVEN_UP for e in events)
        or (job is not None and _job_failed_condition(job) is not None)
    )
