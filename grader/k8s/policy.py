"""What Kubernetes manifests may not ask of the cluster: the policy's Kubernetes half (the
rules and the refusal: `grader.model.policy`)."""

from __future__ import annotations

from grader.k8s.apply_plan import MAPPED_KINDS
from grader.k8s.manifests import Manifests, containers, pod_templates
from grader.model.policy import Violation
from grader.model.shapes import mapping, sequence

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
