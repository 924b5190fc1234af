"""The live tier of the Kubernetes exercises: a cluster, a namespace per submission, and the
verdicts read from the API objects the cluster returns.

A cluster is either the one a kubeconfig names (a school cluster, `--kubeconfig/--context`)
or an ephemeral kind cluster (`--kind`, through pytest-kind's `KindCluster`), with the
ingress-nginx controller installed from a pinned release manifest. One cluster serves a whole
grading run; each submission gets its own labelled namespace, deleted afterwards.

The verdict functions (`*_verdict`) take the official client's model objects (`V1Deployment`,
`V1Pod`, …) and are unit-tested on objects shaped exactly as the API returns them.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.containers.docker_host import engine_host, is_local
from grader.model.labels import LABEL_MANAGED, LABEL_RUN
from grader.model.output import cap

INGRESS_NGINX_VERSION = "controller-v1.11.3"
INGRESS_NGINX_MANIFEST = (
    "https://raw.githubusercontent.com/kubernetes/ingress-nginx/"
    f"{INGRESS_NGINX_VERSION}/deploy/static/provider/kind/deploy.yaml"
)
KIND_CONFIG = """\
kind: Cluster
apiVersion: kind.x-k8s.io/v1alpha4
nodes:
  - role: control-plane
    kubeadmConfigPatches:
      - |
        kind: InitConfiguration
        nodeRegistration:
          kubeletExtraArgs:
            node-labels: "ingress-ready=true"
    extraPortMappings:
      - {containerPort: 80, hostPort: 8480, protocol: TCP}
"""
KIND_INGRESS_PORT = 8480
KIND_API_PORT = 6443  # fixed when the engine is remote, so that the API can be reached there
# On a remote engine (GitLab's docker:dind service), the node container runs on that host:
# its API server must listen on all of the host's addresses, with the host's name in its
# certificate, and the kubeconfig must point there instead of 127.0.0.1.
KIND_REMOTE_PATCH = """\
networking:
  apiServerAddress: "0.0.0.0"
  apiServerPort: {port}
kubeadmConfigPatches:
  - |
    kind: ClusterConfiguration
    apiServer:
      certSANs: ["{host}", "localhost", "127.0.0.1"]
"""


def kind_config(engine_host: str) -> str:
    """The kind cluster's configuration for an engine on `engine_host` (localhost or not)."""
    if is_local(engine_host):
        return KIND_CONFIG
    return KIND_CONFIG + KIND_REMOTE_PATCH.format(host=engine_host, port=KIND_API_PORT)


def point_kubeconfig_at(path: Path, engine_host: str) -> None:
    """Make the kubeconfig kind wrote reach the API server on the engine's host."""
    text = path.read_text(encoding="utf-8")
    for local in ("0.0.0.0", "127.0.0.1", "localhost"):
        text = text.replace(
            f"https://{local}:{KIND_API_PORT}", f"https://{engine_host}:{KIND_API_PORT}"
        )
    path.write_text(text, encoding="utf-8")


class NoCluster(Exception):
    """No cluster can be used; the message says why (shown in the "not attempted" hint)."""


@dataclass
class KubectlResult:
    ok: bool
    output: str


# What the grader's own single-node cluster (scripts/cluster.sh) publishes, readable by every
# identity: its pods run on the grader's engine, where offline stand-ins can be put first.
OWN_CLUSTER_MARK = ("kube-public", "configmap/grader-cluster")


@dataclass
class Cluster:
    kubeconfig: Path
    context: str | None = None
    ingress_url: str | None = None  # where the ingress controller answers, if known
    own_node: bool = False  # the grader's own cluster: pods run on the grader's engine
    # The one namespace to grade in: the course's shared cluster, where a student (or the
    # grader with their rights) acts in their own space only and cannot create namespaces.
    namespace: str | None = None

    def kubectl(
        self, *args: str, timeout: int = 120, stdin: str | None = None, as_user: str | None = None
    ) -> KubectlResult:
        binary = shutil.which("kubectl")
        if binary is None:
            return KubectlResult(False, "kubectl is not installed")
        context = ["--context", self.context] if self.context else []
        identity = [f"--as={as_user}"] if as_user else []
        try:
            done = subprocess.run(
                [binary, "--kubeconfig", str(self.kubeconfig), *context, *identity, *args],
                input=stdin,
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired:
            return KubectlResult(False, f"timed out after {timeout} s")
        return KubectlResult(done.returncode == 0, cap(done.stdout + done.stderr))

    def api(self) -> Any:
        from kubernetes import config

        client: Any = config.new_client_from_config(  # type: ignore[no-untyped-call]
            str(self.kubeconfig), context=self.context
        )
        return client


def from_kubeconfig(
    kubeconfig: str | None, context: str | None, namespace: str | None = None
) -> Cluster:
    """The cluster a kubeconfig names; NoCluster when there is none or it does not answer.

    With `namespace`, or when the identity cannot create namespaces (a student's space on the
    course's shared cluster), grading happens in that one namespace — the context's own if none
    is given."""
    path = Path(kubeconfig or os.environ.get("KUBECONFIG") or Path.home() / ".kube" / "config")
    if not path.is_file():
        raise NoCluster(f"no kubeconfig at {path}")
    cluster = Cluster(path, context)
    version = cluster.kubectl("version", "--request-timeout=5s", timeout=15)
    if not version.ok:
        raise NoCluster(f"the cluster of {path} does not answer: {version.output.strip()[-200:]}")
    mark = cluster.kubectl(
        "get",
        "-n",
        OWN_CLUSTER_MARK[0],
        OWN_CLUSTER_MARK[1],
        "-o",
        "jsonpath={.data.ingress}",
        timeout=15,
    )
    cluster.own_node = mark.ok
    if mark.ok and mark.output.strip().startswith("http"):  # its stand-in ingress controller
        cluster.ingress_url = mark.output.strip()
    if namespace is None:
        can = cluster.kubectl("auth", "can-i", "create", "namespaces", timeout=15)
        if can.output.strip().splitlines()[:1] != ["yes"]:
            namespace = context_namespace(cluster)
    cluster.namespace = namespace
    return cluster


def context_namespace(cluster: Cluster) -> str:
    """The namespace the kubeconfig's context works in (`default` when it names none)."""
    found = cluster.kubectl("config", "view", "--minify", "-o", "jsonpath={..namespace}")
    return found.output.strip() if found.ok and found.output.strip() else "default"


def create_kind(name: str, workdir: Path) -> tuple[Cluster, Any]:
    """An ephemeral kind cluster with ingress-nginx; returns it and the KindCluster to delete."""
    kind = shutil.which("kind")
    if kind is None:
        raise NoCluster("no kind binary on PATH (https://kind.sigs.k8s.io)")
    if shutil.which("kubectl") is None:
        raise NoCluster("no kubectl binary on PATH")
    from pytest_kind import KindCluster

    host = engine_host()
    config, text = workdir / "kind.yaml", kind_config(host)
    config.write_text(text, encoding="utf-8")
    handle = KindCluster(name, kubeconfig=workdir / "kubeconfig", kind_path=Path(kind))
    try:
        handle.create(config_file=config)
    except (subprocess.CalledProcessError, OSError) as error:
        raise NoCluster(f"kind could not create a cluster (no node image?): {error}") from error
    if text != KIND_CONFIG:  # a remote engine
        point_kubeconfig_at(handle.kubeconfig_path, host)
    cluster = Cluster(handle.kubeconfig_path, ingress_url=f"http://{host}:{KIND_INGRESS_PORT}")
    installed = cluster.kubectl("apply", "-f", INGRESS_NGINX_MANIFEST, timeout=180)
    ready = cluster.kubectl(
        "wait",
        "--namespace",
        "ingress-nginx",
        "--for=condition=ready",
        "pod",
        "--selector=app.kubernetes.io/component=controller",
        "--timeout=180s",
        timeout=200,
    )
    if not (installed.ok and ready.ok):
        handle.delete()
        raise NoCluster(f"ingress-nginx did not start: {(installed.output + ready.output)[-300:]}")
    return cluster, handle


# The identity a submission is applied as: a service account of its grading namespace, bound
# to the built-in `admin` role there and nowhere else. The API server itself then refuses
# anything cluster-scoped (roles and bindings at cluster level, volumes on the node, webhooks…)
# and any change to the namespace's quota and limits, whatever the policy missed.
SUBMITTER = "grader-submitter"
# What one submission may use, so that none can starve the node (pods, CPU, memory, storage,
# Services, NodePorts); the limits give every container requests and limits by default, which
# a quota on CPU and memory needs. Generous for the course's exercises and what students
# ordinarily write beside them (5 replicas of nginx asking 512Mi each, a PVC of a few Gi, a
# Service of `type: LoadBalancer`: without a cloud provider a NodePort, its node ports counted
# in `services.nodeports`). A refusal by these is said to be the grader's rule
# (`apply_plan.limit_hint`). requests.cpu stays at the grader's node's two CPUs.
GRADING_QUOTA = {
    "pods": "20",
    "requests.cpu": "2",
    "requests.memory": "4Gi",
    "limits.cpu": "16",
    "limits.memory": "12Gi",
    "requests.storage": "40Gi",
    "persistentvolumeclaims": "4",
    "services": "10",
    "services.nodeports": "4",
    "services.loadbalancers": "2",
    "configmaps": "20",
    "secrets": "20",
    "replicationcontrollers": "4",
    "count/jobs.batch": "6",
    "count/cronjobs.batch": "2",
    "count/deployments.apps": "8",
}
PVC_MAX = "20Gi"  # a PVC stays Pending here (no provisioner): its size takes nothing
CONTAINER_DEFAULTS = {
    "default": {"cpu": "500m", "memory": "512Mi"},
    "defaultRequest": {"cpu": "50m", "memory": "32Mi"},
    "max": {"cpu": "2", "memory": "2Gi"},
}


def as_list(objects: list[dict[str, Any]]) -> str:
    """Objects as one JSON `List` for kubectl. JSON, not YAML: a run id such as `09e61234` is a
    string to PyYAML, which leaves it unquoted, and a number to Go's YAML reader."""
    return json.dumps({"apiVersion": "v1", "kind": "List", "items": objects})


def submitter(namespace: str) -> str:
    return f"system:serviceaccount:{namespace}:{SUBMITTER}"


def grading_namespace(name: str, run_id: str) -> str:
    """The namespace of one grading, with its quota, its limits and the submitter's rights."""
    labels = {LABEL_MANAGED: "true", LABEL_RUN: run_id}

    def meta(object_name: str) -> dict[str, Any]:
        return {"name": object_name, "namespace": name, "labels": labels}

    objects: list[dict[str, Any]] = [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": labels}},
        {
            "apiVersion": "v1",
            "kind": "ResourceQuota",
            "metadata": meta("grader-quota"),
            "spec": {"hard": GRADING_QUOTA},
        },
        {
            "apiVersion": "v1",
            "kind": "LimitRange",
            "metadata": meta("grader-limits"),
            "spec": {
                "limits": [
                    {"type": "Container", **CONTAINER_DEFAULTS},
                    {"type": "PersistentVolumeClaim", "max": {"storage": PVC_MAX}},
                ]
            },
        },
        {
            "apiVersion": "v1",
            "kind": "ServiceAccount",
            "metadata": meta(SUBMITTER),
            "automountServiceAccountToken": False,
        },
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "RoleBinding",
            "metadata": meta(SUBMITTER),
            "roleRef": {
                "apiGroup": "rbac.authorization.k8s.io",
                "kind": "ClusterRole",
                "name": "admin",
            },
            "subjects": [{"kind": "ServiceAccount", "name": SUBMITTER, "namespace": name}],
        },
    ]
    return as_list(objects)


@dataclass
class Applied:
    namespace: str
    dry_run: KubectlResult
    apply: KubectlResult | None
    # False in a namespace that is not the grading's own (a student's space): never deleted;
    # only `objects`, the file of exactly what the grader applied there, is.
    own_namespace: bool = True
    objects: Path | None = None
    clashes: list[str] = field(default_factory=list)  # the student's objects in the way

    @property
    def ok(self) -> bool:
        return self.dry_run.ok and self.apply is not None and self.apply.ok


def apply(
    cluster: Cluster,
    folder: Path,
    *,
    namespace: str,
    run_id: str,
    bodies: list[dict[str, Any]] | None = None,
) -> Applied:
    """Create the submission's namespace (quota, limits, submitter), dry-run the manifests
    server-side, then apply them — both as the submitter, never with the grader's rights.
    The folder as it is, or `bodies` when the grader prepared them (`apply_plan`)."""
    made = cluster.kubectl("apply", "-f", "-", stdin=grading_namespace(namespace, run_id))
    if not made.ok:
        return Applied(namespace, KubectlResult(False, made.output), None)
    source = ("-f", str(folder)) if bodies is None else ("-f", "-")
    stdin = None if bodies is None else as_list(bodies)
    args = ("apply", "--namespace", namespace, "--recursive", *source)
    who = submitter(namespace)
    dry_run = cluster.kubectl(*args, "--dry-run=server", as_user=who, stdin=stdin)
    if not dry_run.ok:
        return Applied(namespace, dry_run, None)
    return Applied(namespace, dry_run, cluster.kubectl(*args, as_user=who, stdin=stdin))


def delete_namespace(cluster: Cluster, namespace: str) -> None:
    """Delete a grading namespace, then its pods at once: a Terminating namespace accepts no
    new pod, and without the second step it lingers for a minute or two (each pod waits for
    its grace period and the kubelet's garbage collection, and the namespace controller backs
    off exponentially meanwhile). The kubelet still stops the containers, in seconds."""
    cluster.kubectl("delete", "namespace", namespace, "--wait=false", "--ignore-not-found")
    cluster.kubectl(
        "delete",
        "pods",
        "--all",
        "-n",
        namespace,
        "--grace-period=0",
        "--force",
        "--wait=false",
        "--ignore-not-found",
    )


def labelled(bodies: list[dict[str, Any]], run_id: str) -> list[dict[str, Any]]:
    """The objects with the grader's labels added (nothing else changed: selectors and the
    pods' own labels stay the student's), so that only they are deleted afterwards."""
    found = []
    for body in bodies:
        copy = json.loads(json.dumps(body))
        metadata = copy.setdefault("metadata", {})
        if not isinstance(metadata, dict):
            metadata = copy["metadata"] = {}
        labels = metadata.get("labels") if isinstance(metadata.get("labels"), dict) else {}
        metadata["labels"] = {**labels, LABEL_MANAGED: "true", LABEL_RUN: run_id}
        found.append(copy)
    return found


def clashes(cluster: Cluster, objects: Path, *, namespace: str, run_id: str) -> list[str]:
    """The student's own objects of the same kind and name as the submission's: applying would
    change them. `Kind/name` of each, never touched."""
    found = cluster.kubectl(
        "get", "-f", str(objects), "-n", namespace, "--ignore-not-found", "-o", "json"
    )
    if not found.ok:  # cannot tell what is there: nothing is applied
        return [f"? ({found.output.strip()[-200:]})"]
    if not found.output.strip():
        return []
    try:
        listed = json.loads(found.output)
    except ValueError:
        return [f"? ({found.output.strip()[-200:]})"]
    items = listed.get("items", []) if listed.get("kind") == "List" else [listed]  # one found
    return [
        f"{item.get('kind')}/{item.get('metadata', {}).get('name')}"
        for item in items
        if (item.get("metadata", {}).get("labels") or {}).get(LABEL_RUN) != run_id
    ]


def apply_in_namespace(
    cluster: Cluster, bodies: list[dict[str, Any]], *, namespace: str, run_id: str, workdir: Path
) -> Applied:
    """Apply in one namespace that is not the grading's own (the course's: a student's space),
    with the identity the kubeconfig gives — confined there by the cluster itself. The objects
    are labelled with the run so that exactly they are deleted afterwards; if the namespace
    already holds objects of the same names, nothing is applied (`Applied.clashes`)."""
    workdir.mkdir(parents=True, exist_ok=True)
    objects = workdir / "applied.json"
    objects.write_text(as_list(labelled(bodies, run_id)), encoding="utf-8")
    taken = clashes(cluster, objects, namespace=namespace, run_id=run_id)
    if taken:
        return Applied(namespace, KubectlResult(True, ""), None, own_namespace=False, clashes=taken)
    args = ("apply", "--namespace", namespace, "-f", str(objects))
    dry_run = cluster.kubectl(*args, "--dry-run=server")
    if not dry_run.ok:
        return Applied(namespace, dry_run, None, own_namespace=False)
    return Applied(namespace, dry_run, cluster.kubectl(*args), own_namespace=False, objects=objects)


def remove(cluster: Cluster, applied: Applied) -> None:
    """Delete what a grading applied: its namespace, or in a shared one exactly its objects."""
    if applied.own_namespace:
        delete_namespace(cluster, applied.namespace)
    elif applied.objects is not None:
        cluster.kubectl(
            "delete",
            "-f",
            str(applied.objects),
            "-n",
            applied.namespace,
            "--ignore-not-found",
            "--wait=false",
        )


# --- verdicts on API objects ----------------------------------------------------------------


def deployment_verdict(deployment: Any) -> tuple[bool, str]:
    """(ready, status): every wanted replica updated and ready, for the latest generation."""
    spec, status, meta = deployment.spec, deployment.status, deployment.metadata
    wanted = spec.replicas if spec.replicas is not None else 1
    ready = status.ready_replicas or 0
    updated = status.updated_replicas or 0
    current = (status.observed_generation or 0) >= (meta.generation or 0)
    text = f"{ready}/{wanted} ready"
    return current and ready >= wanted and updated >= wanted, text


def pod_verdict(pod: Any) -> tuple[bool, str]:
    """(running and ready, why not): the waiting reason of a container when there is one."""
    status = pod.status
    conditions = {c.type: c.status for c in status.conditions or []}
    if status.phase == "Running" and conditions.get("Ready") == "True":
        return True, "Running, Ready"
    for container in status.container_statuses or []:
        waiting = container.state.waiting if container.state else None
        if waiting is not None and waiting.reason:
            return False, waiting.reason
        terminated = container.state.terminated if container.state else None
        if terminated is not None and terminated.reason:
            return False, f"{terminated.reason} (exit {terminated.exit_code})"
    return False, status.phase or "Unknown"


def job_verdict(job: Any) -> tuple[bool | None, str]:
    """(True complete / False failed / None still running, status)."""
    status, spec = job.status, job.spec
    wanted = spec.completions if spec.completions is not None else 1
    succeeded, failed = status.succeeded or 0, status.failed or 0
    conditions = {c.type: c.status for c in status.conditions or []}
    text = f"{succeeded}/{wanted} succeeded, {failed} failed"
    if conditions.get("Complete") == "True" and succeeded >= wanted:
        return True, text
    if conditions.get("Failed") == "True":
        return False, text
    return None, text


def ready_endpoints(slices: list[Any]) -> int:
    """How many ready endpoints a Service's EndpointSlices hold."""
    return sum(
        1
        for endpoint_slice in slices
        for endpoint in endpoint_slice.endpoints or []
        if endpoint.conditions is None or endpoint.conditions.ready is not False
    )
