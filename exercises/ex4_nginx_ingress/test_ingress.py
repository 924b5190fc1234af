"""Checks of exercise 4: nginx exposed through an Ingress (seed 000 J3/J4 « Quête principale »).

Static tier first (no cluster needed), then the live tier (`cluster` marker) when a cluster
is available: apply in a namespace of its own, wait for the Deployment, probe the Ingress.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from grader import authoring
from grader.authoring import (
    INGRESS_STANDIN_CONTROLLER,
    INGRESS_STANDIN_DESCRIPTION,
    Applied,
    Cluster,
    Exercise,
    GradingSession,
    HttpResponse,
    Manifest,
    Manifests,
    NamespaceView,
    NotAttempted,
    containers,
    deployment_verdict,
    grader_limit,
    hint,
    kube,
    label_selector,
    mapping,
    pod_templates,
)


def nginx_deployments(manifests: Manifests) -> list[Manifest]:
    found = []
    for deployment in manifests.of_kind("Deployment"):
        one = Manifests(objects=[deployment])
        if kube.uses_image(one, "nginx"):
            found.append(deployment)
    return found


@pytest.fixture(scope="module")
def deployments(valid_manifests: Manifests) -> list[Manifest]:
    """The Deployments running nginx: checks about them are not attempted without one (they
    would pass on nothing)."""
    found = nginx_deployments(valid_manifests)
    if not found:
        raise NotAttempted(hint("ex4.no_deployment_prerequisite"))
    return found


def ingress_classes(networking: Any) -> list[Any] | None:
    """The cluster's IngressClasses, or None when this identity may not read them (a student's
    rights on the course's cluster: cluster-scoped objects are out of their reach)."""
    from kubernetes.client.exceptions import ApiException

    try:
        return list(networking.list_ingress_class().items)
    except ApiException:
        return None


@pytest.fixture(scope="module")
def ingress(valid_manifests: Manifests) -> Manifest:
    found = valid_manifests.of_kind("Ingress")
    if not found:
        raise NotAttempted(hint("ex4.no_ingress"))
    return found[0]


@pytest.fixture(scope="module")
def service(valid_manifests: Manifests) -> Manifest:
    found = valid_manifests.of_kind("Service")
    if not found:
        raise NotAttempted(hint("ex4.no_service"))
    return found[0]


# --- static tier ----------------------------------------------------------------------------


# The first two checks, shared by every Kubernetes exercise (collected here by pytest).
test_manifests_parse = authoring.test_manifests_parse
test_manifests_match_the_kubernetes_schemas = authoring.test_manifests_match_the_kubernetes_schemas


@pytest.mark.points(1)
def test_a_deployment_runs_nginx(valid_manifests: Manifests) -> None:
    """Un Deployment fait tourner nginx
    en: A Deployment runs nginx"""
    images = [image for _, image in kube.images(valid_manifests)]
    assert nginx_deployments(valid_manifests), hint(
        "ex4.no_nginx_deployment", found=", ".join(images) or "—"
    )


@pytest.mark.points(2)
def test_deployment_selector_matches_its_pods(
    valid_manifests: Manifests, deployments: list[Manifest]
) -> None:
    """Le sélecteur du Deployment correspond aux labels de ses pods
    en: The Deployment's selector matches its pods' labels"""
    for workload in valid_manifests.of_kind(*kube.WORKLOADS):
        problem = kube.selector_hint(workload)
        assert problem is None, problem


@pytest.mark.points(2)
def test_service_selects_the_nginx_pods(service: Manifest, valid_manifests: Manifests) -> None:
    """Le Service sélectionne les pods nginx
    en: The Service selects the nginx pods"""
    problem = kube.service_selects_hint(service, valid_manifests)
    assert problem is None, problem


@pytest.mark.points(2)
def test_service_target_port_is_a_container_port(
    service: Manifest, valid_manifests: Manifests
) -> None:
    """Le targetPort du Service est un containerPort des pods
    en: The Service's targetPort is a containerPort of the pods"""
    problem = kube.target_port_hint(service, valid_manifests)
    assert problem is None, problem


@pytest.mark.points(1)
def test_probes_target_a_declared_port(
    valid_manifests: Manifests, deployments: list[Manifest]
) -> None:
    """Les sondes (probes) visent un port déclaré
    en: Probes target a declared port"""
    for owner, template in pod_templates(valid_manifests):
        for container in containers(template):
            problem = kube.probe_hint(owner, container)
            assert problem is None, problem


@pytest.mark.practice
@pytest.mark.points(1)
def test_ingress_has_a_host_rule(ingress: Manifest) -> None:
    """Un Ingress avec une règle d'hôte
    en: An Ingress with a host rule"""
    hosts = [r.get("host") for r in ingress.spec.get("rules") or [] if isinstance(r, dict)]
    assert any(hosts), hint("ex4.no_host", object=str(ingress))


@pytest.mark.points(2)
def test_ingress_routes_to_the_service(ingress: Manifest, valid_manifests: Manifests) -> None:
    """L'Ingress envoie vers le Service et l'un de ses ports
    en: The Ingress routes to the Service and one of its ports"""
    problem = kube.ingress_backend_hint(ingress, valid_manifests)
    assert problem is None, problem


@pytest.mark.practice
@pytest.mark.points(1)
def test_ingress_names_its_class(ingress: Manifest) -> None:
    """L'Ingress nomme sa classe (ingressClassName)
    en: The Ingress names its class (ingressClassName)"""
    problem = kube.ingress_class_hint(ingress)
    assert problem is None, problem


@pytest.mark.practice
@pytest.mark.points(1)
def test_images_have_a_version(valid_manifests: Manifests) -> None:
    """Les images ont une version (pas latest)
    en: Images have a version (not latest)"""
    problem = kube.image_tag_hint(valid_manifests)
    assert problem is None, problem


# --- live tier ------------------------------------------------------------------------------


@pytest.mark.cluster
@pytest.mark.points(2)
def test_cluster_accepts_the_manifests(applied: Applied) -> None:
    """Le cluster accepte les manifestes (dry-run serveur, puis apply)
    en: The cluster accepts the manifests (server dry-run, then apply)"""
    assert applied.dry_run.ok, grader_limit(applied.dry_run.output) or hint(
        "common.k8s_dry_run_rejected", error=applied.dry_run.output
    )
    assert applied.apply is not None and applied.apply.ok, hint(
        "common.k8s_apply_failed", error=applied.apply.output if applied.apply else "—"
    )


@pytest.mark.cluster
@pytest.mark.points(2)
def test_deployment_becomes_ready(
    deployed: Applied,
    deployments: list[Manifest],
    k8s_api: Any,
    namespace_view: NamespaceView,
    exercise: Exercise,
) -> None:
    """Le Deployment devient prêt
    en: The Deployment becomes ready"""
    from kubernetes import client

    apps, view = client.AppsV1Api(k8s_api), namespace_view
    seconds = exercise.params["ready_seconds"]
    for deployment in deployments:
        selector = label_selector(mapping(deployment.spec.get("selector")).get("matchLabels"))
        read = lambda d=deployment: apps.read_namespaced_deployment(d.name, deployed.namespace)  # noqa: E731
        ready, status, why = view.until_ready(
            read, deployment_verdict, seconds=seconds, selector=selector
        )
        assert ready, why or hint(
            "ex4.not_ready", name=deployment.name, seconds=seconds, status=status
        )


test_deployment_becomes_ready_live = authoring.also_live(test_deployment_becomes_ready)


@pytest.mark.cluster
@pytest.mark.points(3)
def test_nginx_answers_through_the_ingress(
    deployed: Applied,
    ingress: Manifest,
    live_cluster: Cluster,
    k8s_api: Any,
    http_probe: Callable[..., HttpResponse],
    wait_until: Callable[..., Any],
    namespace_view: NamespaceView,
    grading: GradingSession,
    exercise: Exercise,
) -> None:
    """nginx répond à travers l'Ingress, avec le bon nom d'hôte
    en: nginx answers through the Ingress, with the right host name"""
    from kubernetes import client

    # A rule without a host routes every host name: any name then reaches nginx.
    rules = [r for r in ingress.spec.get("rules") or [] if isinstance(r, dict)]
    host = next((str(r["host"]) for r in rules if r.get("host")), "grader.invalid")
    networking = client.NetworkingV1Api(k8s_api)
    classes = ingress_classes(networking)  # None: not readable with a student's rights
    if any(c.spec and c.spec.controller == INGRESS_STANDIN_CONTROLLER for c in classes or []):
        grading.note_standin(exercise, "ingress-nginx", INGRESS_STANDIN_DESCRIPTION)
    url = live_cluster.ingress_url
    if url is None:  # a kubeconfig cluster: the address its controller wrote in the status
        read = lambda: networking.read_namespaced_ingress(ingress.name, deployed.namespace)  # noqa: E731
        status = wait_until(
            read,
            lambda i: bool(i.status.load_balancer.ingress),
            seconds=15 if classes == [] else 60,
        )
        addresses = status.status.load_balancer.ingress or []
        if not addresses and not classes:  # the cluster's doing (or unknown), not the student's
            raise NotAttempted(hint("common.no_ingress_controller"))
        assert addresses, hint("ex4.no_ingress_address")
        url = f"http://{addresses[0].ip or addresses[0].hostname}"
    core = client.CoreV1Api(k8s_api)

    def no_endpoints() -> Any:  # no pod will ever be behind a Service: nothing will answer
        services = core.list_namespaced_service(deployed.namespace).items
        return next(filter(None, map(namespace_view.why_no_endpoints, services)), None)

    response = wait_until(
        lambda: http_probe(f"{url}/", deadline=5, host=host),
        lambda r: r.status == 200 or (r.status in (502, 503) and no_endpoints() is not None),
        seconds=60,
    )
    assert response.status is not None, hint(
        "ex4.no_answer", url=url, host=host, error=response.error
    )
    if response.status in (502, 503):  # the controller has nowhere to send it
        problem = no_endpoints()
        assert problem is None, problem
    served_by_nginx = "nginx" in response.text.lower() or "nginx" in response.headers.get(
        "Server", ""
    )
    assert response.status == 200 and served_by_nginx, hint(
        "ex4.not_nginx", url=url, host=host, status=response.status
    )


test_nginx_answers_through_the_ingress_live = authoring.also_live(
    test_nginx_answers_through_the_ingress
)
