"""Fuzzing the parsers and the policy with malformed input (fixed budget, derandomised so CI
is reproducible): no exception escapes; every outcome is a value the checks can report."""

from __future__ import annotations

from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grader.containers.compose import parse_problem
from grader.containers.dockerfile import instructions
from grader.containers.images import base_images
from grader.containers.policy import compose_violations
from grader.k8s import kube
from grader.k8s.manifests import load
from grader.k8s.policy import manifest_violations

BUDGET = settings(
    max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)

# Scalars and shapes that look like what students write, nested.
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 70000),
    st.text(max_size=12),
    st.sampled_from(
        [
            "nginx",
            "nginx:1.27",
            "80",
            "http",
            "host",
            "/",
            "app",
            "Deployment",
            "Service",
            "Ingress",
            "Pod",
            "Job",
        ]
    ),
)
KEYS = st.sampled_from(
    [
        "apiVersion",
        "kind",
        "metadata",
        "spec",
        "name",
        "namespace",
        "labels",
        "selector",
        "matchLabels",
        "template",
        "containers",
        "image",
        "ports",
        "containerPort",
        "targetPort",
        "port",
        "rules",
        "http",
        "paths",
        "backend",
        "service",
        "number",
        "volumes",
        "hostPath",
        "path",
        "securityContext",
        "privileged",
        "hostNetwork",
        "resources",
        "limits",
        "requests",
        "cpu",
        "memory",
        "replicas",
        "readinessProbe",
        "httpGet",
        "services",
        "network_mode",
        "cap_add",
        "security_opt",
        "type",
        "source",
        "target",
        "build",
        "context",
    ]
)
TREES = st.recursive(
    SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(KEYS, children, max_size=5)
    ),
    max_leaves=25,
)
KIND_SHAPED = st.fixed_dictionaries(
    {
        "apiVersion": st.sampled_from(["v1", "apps/v1", "networking.k8s.io/v1", "batch/v1", "x"]),
        "kind": st.sampled_from(["Pod", "Deployment", "Service", "Ingress", "Job", "Namespace"]),
    },
    optional={"metadata": TREES, "spec": TREES},
)


def _grade_manifests(text: str) -> None:
    with TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "m.yaml").write_text(text, encoding="utf-8")
        manifests = load(folder)
        kube.parse_hint(manifests, folder)
        manifest_violations(manifests)
        if kube.schema_hint(manifests) is not None:
            return  # the semantic checks only ever see schema-valid objects
        kube.image_tag_hint(manifests)
        for workload in manifests.of_kind(*kube.WORKLOADS):
            kube.selector_hint(workload)
        for service in manifests.of_kind("Service"):
            kube.service_selects_hint(service, manifests)
            kube.target_port_hint(service, manifests)
        for ingress in manifests.of_kind("Ingress"):
            kube.ingress_backend_hint(ingress, manifests)
            kube.ingress_class_hint(ingress)


@BUDGET
@given(st.lists(st.one_of(KIND_SHAPED, TREES), min_size=1, max_size=4))
def test_any_tree_of_manifests_is_graded_without_an_exception(documents: list[Any]) -> None:
    _grade_manifests(yaml.safe_dump_all(documents))


@BUDGET
@given(st.text(max_size=300))
def test_any_text_as_a_manifest_file_is_graded_without_an_exception(text: str) -> None:
    _grade_manifests(text)


@BUDGET
@given(st.text(max_size=300))
def test_any_text_as_a_compose_file_parses_or_names_its_problem(text: str) -> None:
    with TemporaryDirectory() as tmp:
        path = Path(tmp) / "compose.yaml"
        path.write_text(text, encoding="utf-8")
        problem = parse_problem(path)
        assert problem is None or isinstance(problem.message, str)


@BUDGET
@given(
    st.dictionaries(st.text(max_size=8), st.one_of(TREES, st.dictionaries(KEYS, TREES)), max_size=3)
)
def test_the_compose_policy_reads_any_normalised_config(services: dict[str, Any]) -> None:
    with TemporaryDirectory() as tmp:
        for violation in compose_violations({"services": services}, Path(tmp)):
            assert violation.rule and violation.where


@BUDGET
@given(st.text(max_size=400))
def test_any_dockerfile_text_is_read_without_an_exception(text: str) -> None:
    for step in instructions(text):
        assert step.keyword == step.keyword.upper()
        step.exec_form  # noqa: B018 - a property that parses JSON
    base_images(text)
