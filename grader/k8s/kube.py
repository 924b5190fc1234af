"""Static checks of Kubernetes manifests: what a cluster would only reveal later.

Each function returns a `Hint` saying what is wrong (expected / found / what to try), or
None when all is well. They read plain dictionaries, as the manifests are written.
"""

from __future__ import annotations

import re
from typing import Any

from grader.containers.images import repository
from grader.k8s.manifests import (
    Manifest,
    Manifests,
    Problem,
    containers,
    init_containers,
    pod_templates,
    schema_problems,
    selects,
    template_labels,
)
from grader.model import policy
from grader.model.hints import Hint, declared, hint
from grader.model.outcomes import NotAttempted

WORKLOADS = ("Deployment", "ReplicaSet", "StatefulSet", "DaemonSet")
_CPU = re.compile(r"^\d+(\.\d+)?m?$")
_MEMORY = re.compile(r"^\d+(\.\d+)?(Ki|Mi|Gi|Ti|k|K|M|G|T|e\d+)?$")


def parse_hint(manifests: Manifests, folder: object) -> Hint | None:
    if not manifests.files:
        return hint("common.k8s_no_manifest", folder=folder)
    if manifests.parse_errors:
        error = manifests.parse_errors[0]
        return hint(
            "common.k8s_yaml_error", file=error.file, line=error.line or "?", problem=error.message
        )
    if not manifests.objects:
        return hint("common.k8s_no_manifest", folder=folder)
    return None


def _problem_hint(problem: Problem, manifest: Manifest) -> Hint:
    message = problem.message
    where: dict[str, Any] = {
        "file": problem.file,
        "line": problem.line or "?",
        "object": problem.object,
    }
    if manifest.kind == "Ingress" and manifest.api_version.startswith("extensions/"):
        return hint("common.k8s_old_ingress_api", found=manifest.api_version, **where)
    if message.startswith("no ") and "exists in API version" in message:
        return hint(
            "common.k8s_unknown_api", kind=manifest.kind, found=manifest.api_version, **where
        )
    field, _, detail = message.partition(": ")
    if field == "kind" and "is not one of" in detail:
        expected = re.findall(r"'([^']+)'", detail.split("is not one of", 1)[1])
        return hint(
            "common.k8s_kind_name",
            found=manifest.kind,
            expected=expected[0] if expected else "?",
            **where,
        )
    if field.endswith("replicas") and "is not of type 'integer'" in detail:
        return hint("common.k8s_replicas_string", found=detail.split(" is not")[0], **where)
    if "is not of type 'array'" in detail:
        return hint("common.k8s_not_a_list", field=field, **where)
    if "Additional properties are not allowed" in detail:
        unexpected = re.findall(r"'([^']+)'", detail.split("(", 1)[-1])
        return hint(
            "common.k8s_unknown_field", field=field, unexpected=", ".join(unexpected), **where
        )
    return hint("common.k8s_schema", problem=message, **where)


def schema_hint(manifests: Manifests) -> Hint | None:
    """The first object the Kubernetes schemas reject, explained."""
    for manifest in manifests:
        problems = schema_problems(manifest)
        if problems:
            return _problem_hint(problems[0], manifest)
    return None


def selector_hint(workload: Manifest) -> Hint | None:
    """A workload's selector must match its own pod template's labels."""
    selector = workload.spec.get("selector") or {}
    labels = template_labels(workload.spec.get("template") or {})
    if selects(selector, labels):
        return None
    wanted = selector.get("matchLabels", selector) if isinstance(selector, dict) else selector
    return hint(
        "common.k8s_selector_mismatch",
        object=str(workload),
        selector=wanted or "—",
        labels=labels or "—",
        file=workload.file,
        line=workload.line,
    )


def selected_templates(service: Manifest, manifests: Manifests) -> list[dict[str, Any]]:
    selector = service.spec.get("selector") or {}
    return [
        template
        for owner, template in pod_templates(manifests)
        if owner.namespace == service.namespace and selects(selector, template_labels(template))
    ]


def service_selects_hint(service: Manifest, manifests: Manifests) -> Hint | None:
    """A Service must select the pods of some workload of the submission."""
    if selected_templates(service, manifests):
        return None
    selector = service.spec.get("selector") or {}
    elsewhere = [o for o, t in pod_templates(manifests) if selects(selector, template_labels(t))]
    if elsewhere:
        return hint(
            "common.k8s_service_other_namespace",
            object=str(service),
            namespace=service.namespace or "—",
            pods=str(elsewhere[0]),
            other=elsewhere[0].namespace or "—",
        )
    labels = [template_labels(t) for _, t in pod_templates(manifests)]
    return hint(
        "common.k8s_service_selects_nothing",
        object=str(service),
        selector=service.spec.get("selector") or "—",
        labels=", ".join(str(x) for x in labels) or "—",
    )


def _container_ports(templates: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [p for t in templates for c in containers(t) for p in c.get("ports") or []]


# The port the official images listen on, for pods that declare none: `containerPort` is only
# information, and a Service reaches a port the container listens on whether declared or not.
LISTENS = {"nginx": "80", "httpd": "80", "nginxinc/nginx-unprivileged": "8080"}


def target_port_hint(service: Manifest, manifests: Manifests) -> Hint | None:
    """Every Service port's targetPort must be a port its pods listen on: a containerPort they
    declare (number or name) or, when they declare none, the port their image listens on (a
    number, for an image the grader knows; otherwise the live tier decides)."""
    templates = selected_templates(service, manifests)
    if not templates:
        return None  # the Service selects nothing: service_selects_hint says so
    ports = _container_ports(templates)
    numbers = {str(p.get("containerPort")) for p in ports}
    names = {str(p.get("name")) for p in ports if p.get("name")}
    listens = {
        LISTENS.get(repository(str(c.get("image") or ""))) for t in templates for c in containers(t)
    }
    for entry in service.spec.get("ports") or []:
        target = str(entry.get("targetPort", entry.get("port")))
        if not ports and target.isdigit() and (None in listens or target in listens):
            continue  # nothing declared: the port the image listens on, or not known here
        if target not in numbers | names:
            image = ", ".join(sorted(p for p in listens if p))
            declared = ", ".join(sorted(numbers | names)) or (
                f"— (image : {image})" if image else "—"
            )
            return hint(
                "common.k8s_target_port", object=str(service), target=target, declared=declared
            )
    return None


def _backends(ingress: Manifest) -> list[dict[str, Any]]:
    spec = ingress.spec
    found = [spec["defaultBackend"]] if isinstance(spec.get("defaultBackend"), dict) else []
    for rule in spec.get("rules") or []:
        for path in ((rule or {}).get("http") or {}).get("paths") or []:
            if isinstance((path or {}).get("backend"), dict):
                found.append(path["backend"])
    return found


def ingress_backend_hint(ingress: Manifest, manifests: Manifests) -> Hint | None:
    """Each Ingress backend must name a Service of the submission, and one of its ports."""
    backends = _backends(ingress)
    if not backends:
        return hint("common.k8s_ingress_no_rule", object=str(ingress))
    for backend in backends:
        service_ref = backend.get("service") or {}
        name = str(service_ref.get("name") or backend.get("serviceName") or "")
        service = manifests.named("Service", name)
        if service is None or service.namespace != ingress.namespace:
            known = ", ".join(m.name for m in manifests.of_kind("Service")) or "—"
            return hint(
                "common.k8s_ingress_no_service", object=str(ingress), name=name or "—", known=known
            )
        port = service_ref.get("port") or {}
        wanted = str(port.get("number") or port.get("name") or "")
        offered = {str(p.get("port")) for p in service.spec.get("ports") or []}
        offered |= {str(p.get("name")) for p in service.spec.get("ports") or [] if p.get("name")}
        if wanted not in offered:
            return hint(
                "common.k8s_ingress_bad_port",
                object=str(ingress),
                service=name,
                port=wanted or "—",
                offered=", ".join(sorted(offered)) or "—",
            )
    return None


def ingress_class_hint(ingress: Manifest) -> Hint | None:
    annotations = (ingress.body.get("metadata") or {}).get("annotations") or {}
    if ingress.spec.get("ingressClassName") or "kubernetes.io/ingress.class" in annotations:
        return None
    return hint("common.k8s_no_ingress_class", object=str(ingress))


def images(manifests: Manifests) -> list[tuple[Manifest, str]]:
    """Every container's image, init containers' included (they are pulled and run too)."""
    return [
        (owner, str(c.get("image") or ""))
        for owner, template in pod_templates(manifests)
        for c in [*init_containers(template), *containers(template)]
    ]


def image_tag_hint(manifests: Manifests) -> Hint | None:
    """Every image names a version: neither no tag nor `latest`."""
    for owner, image in images(manifests):
        last = image.rsplit("/", 1)[-1]
        tag = last.split(":", 1)[1] if ":" in last else None
        if "@" not in image and tag in (None, "latest"):
            return hint("common.k8s_latest", object=str(owner), image=image or "—")
    return None


def uses_image(manifests: Manifests, repo: str) -> bool:
    return any(repository(image) == repo for _, image in images(manifests))


QUANTITY_PROBLEMS = ("cpu", "memory_milli", "memory")
HINT_KEYS = tuple(f"common.k8s_quantity_{problem}" for problem in QUANTITY_PROBLEMS)


def _quantity_problem(resource: str, value: object) -> str | None:
    text = str(value)
    if resource == "cpu" and not _CPU.match(text):
        return "cpu"
    if resource == "memory":
        if text.endswith("m"):
            return "memory_milli"
        if not _MEMORY.match(text):
            return "memory"
    return None


def resources_hint(owner: Manifest, container: dict[str, Any]) -> Hint | None:
    """requests and limits for cpu and memory, in valid units."""
    resources = container.get("resources") or {}
    name = container.get("name", "?")
    for section in ("requests", "limits"):
        values = resources.get(section) or {}
        missing = [r for r in ("cpu", "memory") if r not in values]
        if missing:
            return hint(
                "common.k8s_resources_missing",
                object=str(owner),
                container=name,
                section=section,
                missing=", ".join(missing),
            )
        for resource, value in values.items():
            problem = _quantity_problem(str(resource), value)
            if problem:
                key = declared(f"common.k8s_quantity_{problem}", HINT_KEYS)
                return hint(key, object=str(owner), container=name, section=section, value=value)
    return None


def security_context(template: dict[str, Any], container: dict[str, Any], key: str) -> object:
    """A securityContext setting of a container, else of its pod."""
    own = (container.get("securityContext") or {}).get(key)
    pod = ((template.get("spec") or {}).get("securityContext") or {}).get(key)
    return own if own is not None else pod


def probe_hint(owner: Manifest, container: dict[str, Any]) -> Hint | None:
    """Every httpGet / tcpSocket probe targets a port the container declares."""
    ports = container.get("ports") or []
    declared = {str(p.get("containerPort")) for p in ports}
    declared |= {str(p.get("name")) for p in ports if p.get("name")}
    for kind in ("livenessProbe", "readinessProbe", "startupProbe"):
        probe = container.get(kind) or {}
        action = probe.get("httpGet") or probe.get("tcpSocket") or {}
        if action and str(action.get("port")) not in declared:
            known = ", ".join(sorted(declared)) or "—"
            return hint(
                "common.k8s_probe_port",
                object=str(owner),
                probe=kind,
                port=action.get("port"),
                declared=known,
            )
    return None


def assert_parsed(manifests: Manifests, folder: object) -> None:
    """The check every Kubernetes exercise starts with: the files are YAML objects."""
    __tracebackhide__ = True
    problem = parse_hint(manifests, folder)
    assert problem is None, problem


def assert_schemas(manifests: Manifests, folder: object, refusals: list[policy.Violation]) -> None:
    """Every object is accepted by the pinned Kubernetes OpenAPI schemas (not attempted when
    the files do not even parse: there would be nothing to validate)."""
    __tracebackhide__ = True
    if parse_hint(manifests, folder) is not None:
        raise NotAttempted(hint("common.k8s_static_prerequisite"))
    problem = schema_hint(manifests)
    assert problem is None, problem
    refused = policy.refusal(refusals)
    assert refused is None, refused
