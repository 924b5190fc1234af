"""What of a submission is applied to its grading namespace, and what the student is told.

The grader's own machinery must not fail a correct submission:

- the student's `Namespace` (the course teaches it) is never created — it is cluster-scoped and
  the submitter may not — but the objects it holds are applied in the grading namespace, as
  `kubectl apply --namespace` would refuse any other (`metadata.namespace` mapped, with a note);
- an object whose API the grading cluster does not serve (an `autoscaling/v2`
  HorizontalPodAutoscaler on the grader's 1.20 cluster) is left out, with a note: what the
  exercise needs is applied and judged, the rest is not judged here;
- a `Service` of `type: LoadBalancer` is applied as written (the grading quota allows a few:
  without a cloud provider it is a NodePort that never gets an external address), with a note.

Nothing here makes anything cluster-scoped: the policy (grader.k8s.policy) still refuses
every other cluster-scoped kind, and the submitter's rights stop the rest at the API server.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from grader.k8s.manifests import Manifests
from grader.model.hints import Hint, hint
from grader.model.shapes import mapping

# Kinds never applied but mapped: their objects go to the grading namespace instead.
MAPPED_KINDS = frozenset({"Namespace"})
Served = Callable[[str, str], bool]  # (apiVersion, kind) → whether the cluster serves it


@dataclass
class Plan:
    bodies: list[dict[str, Any]] = field(default_factory=list)  # what is applied
    notes: list[Hint] = field(default_factory=list)  # what the student is told about it
    changed: bool = False  # False: the submission is applied exactly as written


def plan(manifests: Manifests, *, namespace: str, served: Served) -> Plan:
    """The objects to apply in `namespace`, and a note for each thing done to them."""
    found = Plan()
    spaces: set[str] = set()
    missing: dict[str, list[str]] = {}
    for manifest in manifests:
        if manifest.kind in MAPPED_KINDS:
            spaces.add(manifest.name or "?")
            found.changed = True
            continue
        if manifest.api_version and not served(manifest.api_version, manifest.kind):
            missing.setdefault(manifest.api_version, []).append(str(manifest))
            found.changed = True
            continue
        body = json.loads(json.dumps(manifest.body, default=str))  # dates as kubectl reads them
        metadata = mapping(body.get("metadata"))
        if metadata.get("namespace") not in (None, namespace):
            spaces.add(str(metadata["namespace"]))
            metadata["namespace"] = namespace
            found.changed = True
        if manifest.kind == "Service" and manifest.spec.get("type") == "LoadBalancer":
            found.notes.append(hint("common.k8s_loadbalancer", object=str(manifest)))
        found.bodies.append(body)
    if spaces:
        found.notes.insert(0, hint("common.k8s_namespace_mapped", names=", ".join(sorted(spaces))))
    for api, objects in missing.items():
        found.notes.append(hint("common.k8s_api_not_served", api=api, objects=", ".join(objects)))
    return found


def discovery(kubectl: Callable[..., Any]) -> Served:
    """Whether the cluster serves an (apiVersion, kind), asked of its discovery endpoints once
    per group/version. A cluster that cannot be asked is taken to serve it (kubectl says why)."""
    kinds: dict[str, set[str] | None] = {}

    def served(api_version: str, kind: str) -> bool:
        if api_version not in kinds:
            path = f"/api/{api_version}" if "/" not in api_version else f"/apis/{api_version}"
            answer = kubectl("get", "--raw", path, timeout=20)
            kinds[api_version] = _kinds(answer.ok, answer.output)
        known = kinds[api_version]
        return known is None or kind in known

    return served


def _kinds(ok: bool, output: str) -> set[str] | None:
    """The kinds a discovery answer lists; empty when the group/version is not served (404),
    None when the answer says nothing either way."""
    if not ok:
        return set() if "NotFound" in output or "not found" in output.lower() else None
    try:
        listed = json.loads(output)
    except ValueError:
        return None
    return {str(r.get("kind")) for r in listed.get("resources", []) if isinstance(r, dict)}


# What the API server says when a grading namespace's own quota or limits refuse an object.
GRADER_LIMIT_MARKS = (
    "grader-quota",
    "grader-limits",
    "per Container is",
    "per PersistentVolumeClaim",
)


def limit_hint(output: str, *, quota: str, max_cpu: str, max_memory: str) -> Hint | None:
    """The grader's rule, said as such, when its quota or limits are what refused `output`."""
    if not any(mark in output for mark in GRADER_LIMIT_MARKS):
        return None
    return hint(
        "common.k8s_grader_limit",
        quota=quota,
        max_cpu=max_cpu,
        max_memory=max_memory,
        error=output.strip()[-400:],
    )


def grader_limit(output: str) -> Hint | None:
    """`limit_hint` with the grading namespace's own quota and limits."""
    from grader.k8s.cluster import CONTAINER_DEFAULTS, GRADING_QUOTA

    quota = ", ".join(f"{k}={v}" for k, v in GRADING_QUOTA.items() if not k.startswith("count/"))
    top = CONTAINER_DEFAULTS["max"]
    return limit_hint(output, quota=quota, max_cpu=top["cpu"], max_memory=top["memory"])
