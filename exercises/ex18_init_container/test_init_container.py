"""Checks of exercise 18: an init container writes the page nginx serves, in a shared
`emptyDir`, and the pod is reached with `kubectl port-forward` (seed 004 « InitContainers »,
« Tester l'accessibilité d'un pod »)."""

from __future__ import annotations

import posixpath
from collections.abc import Callable
from typing import Any

import pytest

from grader import authoring
from grader.authoring import (
    Applied,
    Cluster,
    Exercise,
    GradingSession,
    Hint,
    Manifest,
    Manifests,
    NamespaceView,
    NotAttempted,
    containers,
    hint,
    init_containers,
    kube,
    label_selector,
    mapping,
    pod_commands,
    pod_verdict,
    port_forward,
    repository,
)

NGINX = {"nginx": 80, "nginxinc/nginx-unprivileged": 8080}  # the port each image listens on
INDEXES = ("index.html", "index.htm")  # what nginx serves at `/` (its `index` directive)
READ_ONLY = ("configMap", "secret", "downwardAPI", "projected")  # volumes no container writes


def _nginx(template: dict[str, Any]) -> dict[str, Any] | None:
    return next(
        (c for c in containers(template) if repository(str(c.get("image") or "")) in NGINX), None
    )


def _names(found: list[dict[str, Any]]) -> str:
    return ", ".join(f"`{c.get('name', '?')}`" for c in found) or "—"


def _mounts(container: dict[str, Any]) -> str:
    return (
        ", ".join(
            f"`{m.get('name')}` → `{m.get('mountPath')}`" for m in pod_commands.mounts(container)
        )
        or "—"
    )


def _template(owner: Manifest) -> dict[str, Any]:
    """The pod's spec as a template: a Pod's own, or its Deployment's pod template."""
    if owner.kind == "Pod":
        return {"spec": owner.spec}
    return {"spec": mapping(mapping(owner.spec.get("template")).get("spec"))}


def _answer(manifests: Manifests) -> Manifest | None:
    """The Pod that runs nginx — or, failing one, a Deployment whose pod template does: the same
    pod, reached by `kubectl port-forward deploy/…` (good practice lost, not the objective)."""
    for found in [*manifests.of_kind("Pod"), *manifests.of_kind("Deployment")]:
        if _nginx(_template(found)) is not None:
            return found
    return None


@pytest.fixture(scope="module")
def pod(valid_manifests: Manifests) -> Manifest:
    found = _answer(valid_manifests)
    if found is None:
        raise NotAttempted(hint("ex18.no_pod", found=", ".join(map(str, valid_manifests)) or "—"))
    return found


@pytest.fixture(scope="module")
def template(pod: Manifest) -> dict[str, Any]:
    return _template(pod)


@pytest.fixture(scope="module")
def nginx(template: dict[str, Any]) -> dict[str, Any]:
    found = _nginx(template)
    assert found is not None
    return found


def _no_init_hint(pod: Manifest, template: dict[str, Any]) -> Hint | None:
    if init_containers(template):
        return None
    others = [c for c in containers(template) if c is not _nginx(template)]
    if others:
        return hint("ex18.in_containers", object=str(pod), names=_names(others))
    return hint("ex18.no_init", object=str(pod))


@pytest.fixture(scope="module")
def inits(pod: Manifest, template: dict[str, Any]) -> list[dict[str, Any]]:
    problem = _no_init_hint(pod, template)
    if problem is not None:
        raise NotAttempted(problem)
    return init_containers(template)


def _sharing_hint(pod: Manifest, template: dict[str, Any], nginx: dict[str, Any]) -> Hint | None:
    inits = init_containers(template)
    volumes = {
        str(mapping(v).get("name")): mapping(v)
        for v in template["spec"].get("volumes") or []
        if isinstance(v, dict)
    }
    for container in [*inits, *containers(template)]:
        for mount in pod_commands.mounts(container):
            if str(mount.get("name")) not in volumes:
                return hint(
                    "ex18.undeclared_volume",
                    object=str(pod),
                    volume=mount.get("name"),
                    container=container.get("name", "?"),
                )
    served = {str(m.get("name")) for m in pod_commands.mounts(nginx)}
    shared = [(c, m) for c in inits for m in pod_commands.mounts(c) if str(m.get("name")) in served]
    if not shared:
        found = ", ".join(f"`{c.get('name', '?')}` : {_mounts(c)}" for c in inits)
        return hint("ex18.not_shared", object=str(pod), inits=found, nginx=_mounts(nginx))
    problems = []  # one volume the init container can write in is enough
    for container, mount in shared:
        kind = next((k for k in READ_ONLY if k in volumes[str(mount.get("name"))]), None)
        if kind is not None:
            problems.append(hint("ex18.read_only_volume", volume=mount.get("name"), kind=kind))
        elif mount.get("readOnly") is True:
            problems.append(
                hint(
                    "ex18.read_only_mount",
                    volume=mount.get("name"),
                    container=container.get("name", "?"),
                )
            )
        else:
            return None
    return problems[0]


@pytest.fixture(scope="module")
def shared(
    pod: Manifest, template: dict[str, Any], nginx: dict[str, Any], inits: list[dict[str, Any]]
) -> None:
    problem = _sharing_hint(pod, template, nginx)
    if problem is not None:
        raise NotAttempted(problem)


# The first two checks, shared by every Kubernetes exercise (collected here by pytest).
test_manifests_parse = authoring.test_manifests_parse
test_manifests_match_the_kubernetes_schemas = authoring.test_manifests_match_the_kubernetes_schemas


@pytest.mark.points(1)
def test_a_pod_runs_nginx(valid_manifests: Manifests) -> None:
    """Un Pod fait tourner nginx
    en: A Pod runs nginx"""
    found = _answer(valid_manifests)
    assert found, hint("ex18.no_pod", found=", ".join(map(str, valid_manifests)) or "—")


@pytest.mark.practice
@pytest.mark.points(1)
def test_the_pod_is_a_bare_pod(valid_manifests: Manifests) -> None:
    """Le Pod est écrit comme un Pod, comme demandé (pas un Deployment)
    en: The pod is written as a Pod, as asked (not a Deployment)"""
    found = _answer(valid_manifests)
    assert found is None or found.kind == "Pod", hint("ex18.deployment_not_pod", object=str(found))


@pytest.mark.points(2)
def test_the_pod_has_an_init_container(pod: Manifest, template: dict[str, Any]) -> None:
    """Le Pod a un conteneur d'initialisation (initContainers)
    en: The Pod has an init container (initContainers)"""
    problem = _no_init_hint(pod, template)
    assert problem is None, problem


@pytest.mark.points(2)
def test_a_volume_is_shared_by_the_init_container_and_nginx(
    pod: Manifest, template: dict[str, Any], nginx: dict[str, Any], inits: list[dict[str, Any]]
) -> None:
    """Un volume est monté dans le conteneur init et dans nginx
    en: A volume is mounted in the init container and in nginx"""
    problem = _sharing_hint(pod, template, nginx)
    assert problem is None, problem


@pytest.mark.points(2)
def test_the_init_container_ends(inits: list[dict[str, Any]], exercise: Exercise) -> None:
    """Le conteneur init se termine (pas de serveur ni d'attente sans fin)
    en: The init container ends (no server, no endless wait)"""
    limit = exercise.params["init_seconds"]
    for container in inits:
        found = pod_commands.endless(container, longer_than=limit)
        name = container.get("name", "?")
        assert found is None or found.seconds is not None, hint(
            "ex18.endless", container=name, what=found.what if found else ""
        )
        assert found is None, hint(
            "ex18.long_sleep", container=name, what=found.what if found else "", seconds=limit
        )


def _landings(inits: list[dict[str, Any]], nginx: dict[str, Any]) -> list[tuple[str, str | None]]:
    """(path written by an init container, where nginx sees it or None) for every file read."""
    found = []
    for container in inits:
        for path in pod_commands.written_files(container).paths:
            held = pod_commands.volume_of(path, container)
            seen = None
            if held is not None:
                for mount in pod_commands.mounts(nginx):
                    if mount.get("name") == held[0].get("name"):
                        seen = pod_commands.in_container(held[1], mount) or seen
            found.append((path, seen))
    return found


@pytest.mark.points(2)
def test_the_page_lands_where_nginx_serves_it(
    shared: None, inits: list[dict[str, Any]], nginx: dict[str, Any], exercise: Exercise
) -> None:
    """Le fichier écrit par le conteneur init arrive là où nginx sert /
    en: The file the init container writes lands where nginx serves /"""
    root = exercise.params["served_root"]
    landings = _landings(inits, nginx)
    home = {posixpath.join(root, index) for index in INDEXES}
    if any(seen in home for _, seen in landings):
        return
    if not all(pod_commands.written_files(c).complete for c in inits):  # the cluster tells
        raise NotAttempted(hint("common.k8s_judged_live", containers=_names(inits)))
    inside = [(p, s) for p, s in landings if s is not None]
    assert landings, hint("ex18.writes_nothing", names=_names(inits))
    assert inside, hint(
        "ex18.outside_volume", path=landings[0][0], mounts=", ".join(_mounts(c) for c in inits)
    )
    path, seen = inside[0]
    url = posixpath.relpath(str(seen), root)
    assert not url.startswith(".."), hint(
        "ex18.not_served", path=path, seen=seen, root=root, mounts=_mounts(nginx)
    )
    raise AssertionError(hint("ex18.not_index", path=path, seen=seen, url=f"/{url}"))


@pytest.mark.practice
@pytest.mark.points(1)
def test_images_have_a_version(valid_manifests: Manifests) -> None:
    """Les images ont une version (pas latest)
    en: The images have a version (not latest)"""
    problem = kube.image_tag_hint(valid_manifests)
    assert problem is None, problem


# --- live: the init container runs to its end, then nginx serves its page -------------------


def _init_state(pod: Any) -> tuple[str, Any] | None:
    """(name, state) of the first init container that has not ended well (its state None
    when it has not started), or None when every one ended with exit code 0."""
    statuses = pod.status.init_container_statuses or []
    wanted = pod.spec.init_containers or []
    if len(statuses) < len(wanted):  # not started yet (the pod not scheduled, …)
        return str(wanted[len(statuses)].name), None
    for status in statuses:
        done = status.state.terminated if status.state else None
        if done is None or done.exit_code != 0:
            return str(status.name), status.state
    return None


def _said(state: Any) -> str:
    """An init container's state as `kubectl get pod` tells it: `CrashLoopBackOff`, `Error`…"""
    if state.waiting is not None:
        return str(state.waiting.reason or "Waiting")
    done = state.terminated
    return f"{done.reason or 'Terminated'}, exit {done.exit_code}" if done else "?"


def _first(pods: list[Any]) -> Any | None:
    """The pod `kubectl port-forward deploy/…` would pick: a running one first, the oldest."""
    live = [p for p in pods if p.metadata.deletion_timestamp is None]
    ranked = sorted(
        live, key=lambda p: (p.status.phase != "Running", p.metadata.creation_timestamp)
    )
    return ranked[0] if ranked else None


@pytest.fixture(scope="module")
def started(
    deployed: Applied,
    pod: Manifest,
    template: dict[str, Any],
    namespace_view: NamespaceView,
    live_cluster: Cluster,
    wait_until: Callable[..., Any],
    exercise: Exercise,
) -> Any:
    """The pod once ready, or once waiting longer cannot change it (the last state read). On
    the grader's own cluster, whose pods reach no network, an init container that fails while
    downloading its page is not judged here."""
    view = namespace_view
    if pod.kind == "Pod":
        last = wait_until(
            lambda: view.core.read_namespaced_pod(pod.name, deployed.namespace),
            lambda p: pod_verdict(p)[0] or view.hopeless(name=pod.name),
            seconds=exercise.params["ready_seconds"],
        )
    else:  # a Deployment's pod, as `kubectl port-forward deploy/…` picks one
        selector = label_selector(mapping(pod.spec.get("selector")).get("matchLabels"))
        last = wait_until(
            lambda: _first(view.pods(selector=selector)),
            lambda p: (p is not None and pod_verdict(p)[0]) or view.hopeless(selector=selector),
            seconds=exercise.params["ready_seconds"],
        )
        if last is None:
            raise AssertionError(
                view.why(selector=selector) or hint("ex18.no_deployment_pod", object=str(pod))
            )
    stuck = _init_state(last)
    failed = stuck is not None and stuck[1] is not None and stuck[1].running is None
    if not failed or not live_cluster.own_node:
        return last
    assert stuck is not None
    spec = next((c for c in init_containers(template) if c.get("name") == stuck[0]), {})
    urls = pod_commands.downloads(spec)
    if urls:
        raise NotAttempted(
            hint(
                "common.k8s_offline_download",
                container=stuck[0],
                url=urls[0],
                status=_said(stuck[1]),
            )
        )
    return last


@pytest.mark.cluster
@pytest.mark.points(2)
def test_the_init_container_completes(
    started: Any, namespace_view: NamespaceView, exercise: Exercise
) -> None:
    """Le conteneur init se termine avec succès
    en: The init container completes successfully"""
    stuck = _init_state(started)
    if stuck is None:
        return
    name, state = stuck
    seconds = exercise.params["ready_seconds"]
    running = state is not None and state.running is not None
    assert not running, hint("ex18.init_running", container=name, seconds=seconds)
    why = namespace_view.why(name=started.metadata.name)
    code = state.terminated.exit_code if state is not None and state.terminated else "—"
    raise AssertionError(
        why or hint("ex18.init_failed", container=name, code=code, seconds=seconds)
    )


@pytest.mark.cluster
@pytest.mark.points(1)
def test_the_pod_becomes_ready(
    started: Any, namespace_view: NamespaceView, exercise: Exercise
) -> None:
    """Le Pod devient prêt (Ready) après son conteneur init
    en: The Pod becomes Ready after its init container"""
    ready, status = pod_verdict(started)
    name, seconds = started.metadata.name, exercise.params["ready_seconds"]
    assert ready, namespace_view.why(name=name) or hint(
        "ex18.not_ready", name=name, seconds=seconds, status=status
    )


def _port(nginx: dict[str, Any]) -> int:
    """The port nginx listens on: the one declared, else its image's."""
    declared = [p.get("containerPort") for p in nginx.get("ports") or [] if isinstance(p, dict)]
    numbers = [int(p) for p in declared if str(p).isdigit()]
    return numbers[0] if numbers else NGINX[repository(str(nginx.get("image") or ""))]


@pytest.mark.cluster
@pytest.mark.points(3)
def test_port_forward_shows_the_page_of_the_init_container(
    started: Any,
    nginx: dict[str, Any],
    live_cluster: Cluster,
    k8s_api: Any,
    grading: GradingSession,
    exercise: Exercise,
) -> None:
    """Par port-forward, nginx sert la page écrite par le conteneur init
    en: Through port-forward, nginx serves the page the init container wrote"""
    name, root = started.metadata.name, exercise.params["served_root"]
    if not pod_verdict(started)[0]:
        raise NotAttempted(hint("ex18.forward_not_ready", name=name))
    port = _port(nginx)
    answer, note = port_forward.reach(live_cluster, k8s_api, started, port, seconds=15)
    if note is not None:
        grading.note_standin(exercise, "kubectl port-forward", note)
    assert answer.status is not None, hint(
        "ex18.forward_failed", name=name, port=port, error=answer.error
    )
    assert answer.status == 200, hint("ex18.page_status", status=answer.status, root=root)
    assert "Welcome to nginx!" not in answer.text, hint("ex18.default_page", root=root)
    assert answer.text.strip(), hint("ex18.empty_page", root=root)


test_the_init_container_completes_live = authoring.also_live(test_the_init_container_completes)
test_the_pod_becomes_ready_live = authoring.also_live(test_the_pod_becomes_ready)
test_port_forward_shows_the_page_of_the_init_container_live = authoring.also_live(
    test_port_forward_shows_the_page_of_the_init_container
)
