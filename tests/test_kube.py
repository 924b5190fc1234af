"""The static tier's building blocks on small manifests: where each object starts, label
selectors, named ports, quantities, and that hostile YAML never raises."""

from __future__ import annotations

import time
from pathlib import Path

from grader.k8s import kube
from grader.k8s.manifests import Manifest, Manifests, load, schema_problems, selects


def write(tmp_path: Path, name: str, text: str) -> Path:
    (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


def test_every_document_of_every_file_is_loaded_with_its_first_line(tmp_path: Path) -> None:
    write(
        tmp_path,
        "a.yaml",
        "kind: Namespace\napiVersion: v1\nmetadata: {name: x}\n---\n"
        "# comment\nkind: Service\napiVersion: v1\nmetadata: {name: s}\n---\n",
    )
    write(tmp_path, "notes.txt", "kind: Pod\n")  # not a manifest
    loaded = load(tmp_path)
    assert [(m.file, m.line, m.kind) for m in loaded] == [
        ("a.yaml", 1, "Namespace"),
        ("a.yaml", 6, "Service"),
    ]
    assert loaded.files == ["a.yaml"]


def test_a_parse_error_and_a_scalar_document_are_problems_with_a_line(tmp_path: Path) -> None:
    write(tmp_path, "bad.yaml", "kind: Pod\nmetadata:\n  name: [oops\n")
    write(tmp_path, "scalar.yml", "just a string\n")
    loaded = load(tmp_path)
    assert [(p.file, p.line) for p in loaded.parse_errors] == [("bad.yaml", 4), ("scalar.yml", 1)]
    assert kube.parse_hint(loaded, tmp_path) is not None


def test_selectors_match_labels_like_the_api_server() -> None:
    labels = {"app": "web", "tier": "front"}
    assert selects({"app": "web"}, labels)
    assert selects(
        {
            "matchLabels": {"app": "web"},
            "matchExpressions": [{"key": "tier", "operator": "In", "values": ["front", "back"]}],
        },
        labels,
    )
    assert not selects({"matchExpressions": [{"key": "tier", "operator": "DoesNotExist"}]}, labels)
    assert not selects({}, labels)  # an empty selector selects nothing here


def _objects(*bodies: dict[str, object]) -> Manifests:
    return Manifests([Manifest("m.yaml", i + 1, dict(b)) for i, b in enumerate(bodies)])


POD = {
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {"name": "p", "labels": {"app": "web"}},
    "spec": {
        "containers": [
            {"name": "c", "image": "nginx:1.27", "ports": [{"name": "http", "containerPort": 80}]}
        ]
    },
}


def test_a_service_may_target_a_named_port_and_an_ingress_a_named_service_port() -> None:
    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "web"},
        "spec": {
            "selector": {"app": "web"},
            "ports": [{"name": "web", "port": 8080, "targetPort": "http"}],
        },
    }
    ingress = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": {"name": "i"},
        "spec": {
            "rules": [
                {
                    "host": "h",
                    "http": {
                        "paths": [
                            {
                                "path": "/",
                                "pathType": "Prefix",
                                "backend": {"service": {"name": "web", "port": {"name": "web"}}},
                            }
                        ]
                    },
                }
            ]
        },
    }
    manifests = _objects(POD, service, ingress)
    svc, ing = manifests.objects[1], manifests.objects[2]
    assert kube.target_port_hint(svc, manifests) is None
    assert kube.ingress_backend_hint(ing, manifests) is None
    assert all(not schema_problems(m) for m in manifests)


def test_quantities_in_the_wrong_units_are_named() -> None:
    def key(resources: dict[str, object]) -> str | None:
        found = kube.resources_hint(
            Manifest("m.yaml", 1, POD), {"name": "c", "resources": resources}
        )
        return found.key if found else None

    good = {"cpu": "250m", "memory": "64Mi"}
    assert key({"requests": good, "limits": {"cpu": 1, "memory": "1Gi"}}) is None
    assert key({"requests": good, "limits": {"cpu": "1", "memory": "128m"}}) == (
        "common.k8s_quantity_memory_milli"
    )
    assert key({"requests": good, "limits": {"cpu": "2Gi", "memory": "1Gi"}}) == (
        "common.k8s_quantity_cpu"
    )
    assert key({"requests": good}) == "common.k8s_resources_missing"


def test_a_large_hostile_yaml_is_refused_quickly_without_raising(tmp_path: Path) -> None:
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
        for p, c in zip("abcdefgh", "bcdefghi", strict=True)
    )
    write(tmp_path, "bomb.yaml", bomb)
    started = time.monotonic()
    loaded = load(tmp_path)
    kube.parse_hint(loaded, tmp_path)
    kube.schema_hint(loaded)
    assert time.monotonic() - started < 5


def test_a_target_port_is_right_when_the_image_listens_there_though_no_port_is_declared(
    tmp_path: Path,
) -> None:
    """containerPort is only information: nginx listens on 80 whether it is declared or not."""

    def case(target: int, image: str = "nginx:1.27") -> object:
        (tmp_path / "m.yaml").write_text(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n"
            "  selector: {matchLabels: {app: web}}\n  template:\n"
            "    metadata: {labels: {app: web}}\n"
            f"    spec: {{containers: [{{name: c, image: '{image}'}}]}}\n---\n"
            "apiVersion: v1\nkind: Service\nmetadata: {name: web}\n"
            f"spec: {{selector: {{app: web}}, ports: [{{port: 80, targetPort: {target}}}]}}\n"
        )
        manifests = load(tmp_path)
        return kube.target_port_hint(manifests.of_kind("Service")[0], manifests)

    assert case(80) is None and case(1234, image="example/app:1") is None  # unknown: live tier
    assert case(8080) is not None
