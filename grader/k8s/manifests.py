"""Kubernetes manifests as a student writes them: every YAML document of every file of a
folder, with where it came from, validated offline against the Kubernetes OpenAPI schemas.

Never raises for a student's mistake: a file that does not parse becomes a `Problem` with its
file and line; an object the schemas reject becomes a `Problem` naming the field.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from grader.model.shapes import mapping, sequence

KUBERNETES_VERSION = "1.32"  # the schemas objects are validated against (pinned)
SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class Manifest:
    """One Kubernetes object: a YAML document of a file."""

    file: str  # relative to the submission folder
    line: int  # where the document starts, from 1
    body: dict[str, Any]

    @property
    def kind(self) -> str:
        return str(self.body.get("kind") or "")

    @property
    def api_version(self) -> str:
        return str(self.body.get("apiVersion") or "")

    @property
    def name(self) -> str:
        return str(mapping(self.body.get("metadata")).get("name") or "")

    @property
    def namespace(self) -> str | None:
        value = mapping(self.body.get("metadata")).get("namespace")
        return None if value is None else str(value)

    @property
    def spec(self) -> dict[str, Any]:
        spec = self.body.get("spec")
        return spec if isinstance(spec, dict) else {}

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"

    def __str__(self) -> str:
        return f"{self.kind}/{self.name}" if self.name else self.kind or "?"


@dataclass(frozen=True)
class Problem:
    file: str
    line: int | None
    message: str
    object: str = ""  # `Kind/name` when the problem is about one object


@dataclass
class Manifests:
    objects: list[Manifest] = field(default_factory=list)
    parse_errors: list[Problem] = field(default_factory=list)
    files: list[str] = field(default_factory=list)

    def __iter__(self) -> Iterator[Manifest]:
        return iter(self.objects)

    def of_kind(self, *kinds: str) -> list[Manifest]:
        return [m for m in self.objects if m.kind in kinds]

    def named(self, kind: str, name: str) -> Manifest | None:
        return next((m for m in self.of_kind(kind) if m.name == name), None)


def load(folder: Path) -> Manifests:
    """Every object of every `*.yaml`/`*.yml` file under `folder` (sorted, recursive)."""
    found = Manifests()
    if not folder.is_dir():
        return found
    for path in sorted(p for p in folder.rglob("*") if p.suffix in SUFFIXES and p.is_file()):
        relative = str(path.relative_to(folder))
        found.files.append(relative)
        _load_file(path, relative, found)
    return found


def _load_file(path: Path, relative: str, found: Manifests) -> None:
    try:
        text = path.read_text(encoding="utf-8")
        nodes = list(yaml.compose_all(text, Loader=yaml.SafeLoader))
        bodies = list(yaml.safe_load_all(text))
    except UnicodeDecodeError:
        found.parse_errors.append(Problem(relative, None, "not UTF-8 text"))
        return
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        message = getattr(error, "problem", None) or str(error)
        line = mark.line + 1 if mark is not None else None
        found.parse_errors.append(Problem(relative, line, str(message)))
        return
    for node, body in zip(nodes, bodies, strict=True):
        if body is None:
            continue  # an empty document (a trailing `---`)
        line = node.start_mark.line + 1 if node is not None else 1
        if not isinstance(body, dict):
            found.parse_errors.append(
                Problem(relative, line, "this document is not a mapping (kind, metadata, spec…)")
            )
            continue
        found.objects.append(Manifest(relative, line, body))


def schema_problems(manifest: Manifest, version: str = KUBERNETES_VERSION) -> list[Problem]:
    """What the Kubernetes OpenAPI schemas (strict: no unknown fields) say about one object."""
    if not manifest.kind or not manifest.api_version:
        missing = "kind" if not manifest.kind else "apiVersion"
        return [Problem(manifest.file, manifest.line, f"`{missing}` is missing", str(manifest))]
    import kubernetes_validate  # its schemas load jsonschema: only where manifests are read

    try:
        kubernetes_validate.validate(manifest.body, version, strict=True)
    except kubernetes_validate.ValidationError as error:
        path = ".".join(str(p) for p in error.path) or "(top level)"
        return [Problem(manifest.file, manifest.line, f"{path}: {error.message}", str(manifest))]
    except kubernetes_validate.SchemaNotFoundError:
        message = f"no {manifest.kind} exists in API version {manifest.api_version}"
        return [Problem(manifest.file, manifest.line, message, str(manifest))]
    except kubernetes_validate.InvalidSchemaError as error:
        return [Problem(manifest.file, manifest.line, str(error), str(manifest))]
    return []


def pod_templates(manifests: Manifests) -> Iterator[tuple[Manifest, dict[str, Any]]]:
    """(owner, pod spec-bearing template) for Pods and every workload with a pod template."""
    for manifest in manifests:
        if manifest.kind == "Pod":
            yield (
                manifest,
                {"metadata": mapping(manifest.body.get("metadata")), "spec": manifest.spec},
            )
        template = manifest.spec.get("template")
        if manifest.kind == "CronJob":
            job = mapping(mapping(manifest.spec.get("jobTemplate")).get("spec"))
            template = job.get("template")
        if isinstance(template, dict):
            yield manifest, template


def containers(template: dict[str, Any]) -> list[dict[str, Any]]:
    spec = mapping(template.get("spec"))
    return [c for c in sequence(spec.get("containers")) if isinstance(c, dict)]


def init_containers(template: dict[str, Any]) -> list[dict[str, Any]]:
    """The pod's `initContainers`: run one after the other, each to its end, before the rest."""
    spec = mapping(template.get("spec"))
    return [c for c in sequence(spec.get("initContainers")) if isinstance(c, dict)]


def template_labels(template: dict[str, Any]) -> dict[str, str]:
    labels = mapping(mapping(template.get("metadata")).get("labels"))
    return {str(k): str(v) for k, v in labels.items()}


def label_selector(labels: object) -> str:
    """A plain label map as `kubectl -l` and the API's labelSelector write it: `app=web,tier=x`."""
    return ",".join(f"{k}={v}" for k, v in sorted(mapping(labels).items()))


def selects(selector: object, labels: dict[str, str]) -> bool:
    """Whether a label selector (plain map, or matchLabels/matchExpressions) matches labels."""
    selector = mapping(selector)
    if not selector:
        return False
    if "matchLabels" in selector or "matchExpressions" in selector:
        plain = mapping(selector.get("matchLabels"))
        for expression in sequence(selector.get("matchExpressions")):
            expression = mapping(expression)
            key, operator = str(expression.get("key")), expression.get("operator")
            values = [str(v) for v in sequence(expression.get("values"))]
            if operator == "In" and labels.get(key) not in values:
                return False
            if operator == "NotIn" and labels.get(key) in values:
                return False
            if operator == "Exists" and key not in labels:
                return False
            if operator == "DoesNotExist" and key in labels:
                return False
    else:
        plain = selector
    return all(labels.get(str(k)) == str(v) for k, v in plain.items())
