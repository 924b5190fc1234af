"""What a submission may ask of the host, checked before anything runs.

A Compose file (after `docker compose config` normalisation) or a set of Kubernetes manifests
that asks for more than an exercise needs — a privileged container, the host's network, PID or
IPC namespace, added capabilities, devices, confinement switched off, host folders outside the
submission that are the system's (the Docker socket, `/`, `/etc`…) — is refused: the grader
reports it and never starts it. Other host folders outside the submission (`/srv/mysql`,
`~/wordpress`) are ordinary student data folders: they are re-rooted in a scratch folder of the
grading (`compose.reroot`), never mounted from the host.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.containers import compose
from grader.k8s.apply_plan import MAPPED_KINDS
from grader.k8s.manifests import Manifests, containers, mapping, pod_templates, sequence
from grader.model.hints import Hint, declared, hint

RULES = (
    "privileged",
    "host_namespace",
    "capabilities",
    "devices",
    "unconfined",
    "docker_socket",
    "host_path",
    "build_context",
    "cluster_scoped",
    "external_ips",
    "node_name",
    "escalation",
    "host_port",
)
HINT_KEYS = tuple(f"common.policy_{rule}" for rule in RULES)
UNCONFINED = ("unconfined", "label=disable", "label:disable", "no-new-privileges=false")


@dataclass(frozen=True)
class Violation:
    where: str  # `service web` or `Pod/x`
    rule: str  # the key of its message: common.policy_<rule>
    detail: str

    def hint(self) -> Hint:
        key = declared(f"common.policy_{self.rule}", HINT_KEYS)
        return hint(key, where=self.where, detail=self.detail)


def compose_violations(config: dict[str, Any], folder: Path) -> list[Violation]:
    """Everything in a normalised Compose config that the grader refuses to run."""
    found: list[Violation] = []
    for name, service in mapping(config.get("services")).items():
        where = f"service {name}"
        if not isinstance(service, dict):
            continue
        if service.get("privileged"):
            found.append(Violation(where, "privileged", "privileged: true"))
        for key in ("network_mode", "pid", "ipc", "userns_mode", "uts", "cgroup"):
            if str(service.get(key) or "") == "host":
                found.append(Violation(where, "host_namespace", f"{key}: host"))
        if service.get("cap_add"):
            added = ", ".join(map(str, sequence(service["cap_add"]))) or str(service["cap_add"])
            found.append(Violation(where, "capabilities", added))
        if service.get("devices") or service.get("device_cgroup_rules"):
            found.append(Violation(where, "devices", "devices"))
        for option in sequence(service.get("security_opt")):
            if any(word in str(option) for word in UNCONFINED):
                found.append(Violation(where, "unconfined", str(option)))
        for source in compose.bind_sources(service):
            if source.endswith((".sock", ".socket")):
                found.append(Violation(where, "docker_socket", source))
            elif not compose.inside(source, folder) and compose.is_system_path(source):
                found.append(Violation(where, "host_path", source))
        build = service.get("build")
        context = build.get("context") if isinstance(build, dict) else None
        if context and "://" not in str(context) and not compose.inside(str(context), folder):
            found.append(Violation(where, "build_context", str(context)))
    return found


# Kinds that live at cluster level: applying one outlives the grading namespace and reaches
# every other student (a ClusterRoleBinding giving cluster-admin to every service account, a
# PersistentVolume on the node's /etc, a webhook refusing every CREATE…). Never applied; an
# exercise whose statement asks for one (ex15: a Namespace) lists it in `params.cluster_kinds`
# (and is graded statically only). A Namespace is never applied either, but is no refusal: its
# objects are applied in the grading namespace instead (grader.k8s.apply_plan, with a note).
CLUSTER_SCOPED = frozenset(
    {
        "APIService",
        "CertificateSigningRequest",
        "ClusterIssuer",
        "ClusterRole",
        "ClusterRoleBinding",
        "CSIDriver",
        "CSINode",
        "CustomResourceDefinition",
        "FlowSchema",
        "IngressClass",
        "MutatingAdmissionPolicy",
        "MutatingWebhookConfiguration",
        "Namespace",
        "Node",
        "PersistentVolume",
        "PodSecurityPolicy",
        "PriorityClass",
        "PriorityLevelConfiguration",
        "RuntimeClass",
        "StorageClass",
        "ValidatingAdmissionPolicy",
        "ValidatingAdmissionPolicyBinding",
        "ValidatingWebhookConfiguration",
        "VolumeAttachment",
    }
)


def manifest_violations(
    manifests: Manifests, *, allowed_kinds: frozenset[str] = frozenset()
) -> list[Violation]:
    """Everything in Kubernetes manifests that the grader refuses to apply."""
    found: list[Violation] = []
    for manifest in manifests:
        if manifest.kind in CLUSTER_SCOPED - MAPPED_KINDS and manifest.kind not in allowed_kinds:
            found.append(Violation(str(manifest), "cluster_scoped", manifest.kind))
        if manifest.kind == "Service" and sequence(manifest.spec.get("externalIPs")):
            ips = ", ".join(map(str, sequence(manifest.spec.get("externalIPs"))))
            found.append(Violation(str(manifest), "external_ips", f"externalIPs: {ips}"))
    for owner, template in pod_templates(manifests):
        where = str(owner)
        spec = mapping(template.get("spec"))
        if spec.get("nodeName"):
            found.append(Violation(where, "node_name", f"nodeName: {spec['nodeName']}"))
        for key in ("hostNetwork", "hostPID", "hostIPC"):
            if spec.get(key):
                found.append(Violation(where, "host_namespace", f"{key}: true"))
        for volume in sequence(spec.get("volumes")):
            if isinstance(volume, dict) and "hostPath" in volume:
                path = mapping(volume.get("hostPath")).get("path", "?")
                found.append(Violation(where, "host_path", f"hostPath {path}"))
        for container in containers(template) + [
            c for c in sequence(spec.get("initContainers")) if isinstance(c, dict)
        ]:
            context = mapping(container.get("securityContext"))
            if context.get("privileged"):
                found.append(Violation(where, "privileged", "privileged: true"))
            if context.get("allowPrivilegeEscalation") is True:
                found.append(Violation(where, "escalation", "allowPrivilegeEscalation: true"))
            added = sequence(mapping(context.get("capabilities")).get("add"))
            if added:
                found.append(Violation(where, "capabilities", ", ".join(map(str, added))))
            for port in sequence(container.get("ports")):
                if isinstance(port, dict) and port.get("hostPort"):
                    found.append(Violation(where, "host_port", f"hostPort: {port['hostPort']}"))
    return found


def refusal(violations: list[Violation]) -> Hint | None:
    """One hint listing every violation, or None when there is none."""
    if not violations:
        return None
    return hint("common.policy_refused", items=[v.hint() for v in violations])
