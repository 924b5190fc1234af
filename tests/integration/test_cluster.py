"""The Kubernetes live tier end to end, on a real cluster: the grader's own single-node cluster
(`scripts/cluster.sh up`, which `scripts/test.sh` brings up in CI) or GRADER_KUBECONFIG.

Without a cluster these tests skip, saying why; with GRADER_REQUIRE_CLUSTER=1 (CI) no cluster
is a failure. None of them can pass without one. kind itself cannot run on these machines (its
node image comes from a registry): `--kind` is not tested here.
"""

from __future__ import annotations

import base64
import io
import json
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from grader.classroom import journal
from grader.cli import main
from grader.grading.runner import grade
from grader.grading.session import ClusterChoice
from grader.k8s.cluster import Cluster, NoCluster, apply, delete_namespace, from_kubeconfig
from grader.model.catalogue import Catalogue
from grader.model.labels import LABEL_MANAGED
from grader.model.results import ExerciseResult
from tests.helpers.classes import make_student
from tests.helpers.leftovers import namespaces
from tests.helpers.repos import ROOT, make_repo, variant, variants

pytestmark = [pytest.mark.docker, pytest.mark.cluster]
OWN_CLUSTER = Path(os.environ.get("GRADER_CLUSTER_STATE", "/var/lib/grader-cluster"))
HOSTILE = ROOT / "fixtures" / "hostile"
LIVE_EXERCISES = ("ex4", "ex11", "ex12", "ex13", "ex14", "ex15", "ex18")
# Cluster-scoped kinds a submission could try to leave behind (and the grader's own namespaces,
# which it deletes itself, apart).
CLUSTER_KINDS = (
    "clusterroles",
    "clusterrolebindings",
    "persistentvolumes",
    "storageclasses",
    "validatingwebhookconfigurations",
    "mutatingwebhookconfigurations",
    "customresourcedefinitions",
    "apiservices",
    "priorityclasses",
    "podsecuritypolicies",
    "ingressclasses",
    "csidrivers",
    "runtimeclasses",
)


@pytest.fixture(scope="module")
def cluster_choice() -> ClusterChoice:
    """The cluster these tests use, or a skip (a failure in CI) saying exactly why not."""
    given = os.environ.get("GRADER_KUBECONFIG")
    kubeconfig = given or str(OWN_CLUSTER / "admin.kubeconfig")
    try:
        from_kubeconfig(kubeconfig, os.environ.get("GRADER_CONTEXT"))
    except NoCluster as error:
        how = "GRADER_KUBECONFIG" if given else "`scripts/cluster.sh up` (or GRADER_KUBECONFIG)"
        reason = f"no cluster: {error}; start one with {how}"
        if os.environ.get("GRADER_REQUIRE_CLUSTER") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    return ClusterChoice(kubeconfig=kubeconfig, context=os.environ.get("GRADER_CONTEXT"))


@pytest.fixture(scope="module")
def cluster(cluster_choice: ClusterChoice) -> Cluster:
    return from_kubeconfig(cluster_choice.kubeconfig, cluster_choice.context)


def _grade(
    catalogue: Catalogue, exercise_id: str, source: Path, tmp_path: Path, choice: ClusterChoice
) -> ExerciseResult:
    exercise = catalogue.get(exercise_id)
    repo = make_repo(tmp_path, {exercise.submission: source})
    return grade([exercise], root=repo, catalogue=catalogue, cluster=choice).exercises[0]


def cluster_objects(cluster: Cluster) -> set[str]:
    """Every cluster-scoped object, and the namespaces the grader did not make."""
    found = cluster.kubectl("get", ",".join(CLUSTER_KINDS), "-o", "name")
    assert found.ok, found.output
    others = cluster.kubectl("get", "namespaces", "-l", f"!{LABEL_MANAGED}", "-o", "name")
    assert others.ok, others.output
    return set(found.output.split()) | set(others.output.split())


def _live_variants() -> list[object]:
    found = []
    for exercise_id, folder in variants():
        expect = folder / "expect.yaml"
        if expect.is_file() and (yaml.safe_load(expect.read_text(encoding="utf-8")) or {}).get(
            "live"
        ):
            found.append(pytest.param(exercise_id, folder, id=f"{exercise_id}-{folder.name}"))
    return found


# --- every Kubernetes exercise, live -------------------------------------------------------


@pytest.mark.parametrize("exercise_id", LIVE_EXERCISES)
def test_reference_scores_full_marks_with_every_live_check(
    catalogue: Catalogue,
    exercise_id: str,
    tmp_path: Path,
    cluster_choice: ClusterChoice,
    engine: object,
) -> None:
    exercise = catalogue.get(exercise_id)
    result = _grade(catalogue, exercise_id, exercise.folder / "solution", tmp_path, cluster_choice)
    assert [(c.name, c.status, c.hint) for c in result.checks if c.status != "passed"] == []
    assert result.scored().points == result.all_points == exercise.points
    assert result.validated(strict=True)


def test_ex4_names_the_offline_ingress_controller_in_the_report(
    catalogue: Catalogue,
    tmp_path: Path,
    cluster_choice: ClusterChoice,
    cluster: Cluster,
    engine: object,
) -> None:
    if not cluster.own_node:
        pytest.skip("a cluster of its own has its own controller")
    exercise = catalogue.get("ex4")
    result = _grade(catalogue, "ex4", exercise.folder / "solution", tmp_path, cluster_choice)
    assert any(s.startswith("ingress-nginx (offline stand-in controller") for s in result.standins)


@pytest.mark.parametrize(("exercise_id", "variant"), _live_variants())
def test_a_mistake_only_a_cluster_reveals_fails_with_what_the_cluster_saw(
    catalogue: Catalogue,
    exercise_id: str,
    variant: Path,
    tmp_path: Path,
    cluster_choice: ClusterChoice,
    engine: object,
) -> None:
    expect = yaml.safe_load((variant / "expect.yaml").read_text(encoding="utf-8"))
    started = time.monotonic()
    result = _grade(catalogue, exercise_id, variant, tmp_path, cluster_choice)
    seen = {c.name: (c.status, c.hint_key) for c in result.checks}
    for name, key in (expect.get("failed") or {}).items():
        assert seen.get(name) == ("failed", key), f"{name}: {seen.get(name)}"
    assert not result.validated()
    assert not [c for c in result.checks if c.status == "error"], "the grader itself crashed"
    assert time.monotonic() - started < 100, "the wait did not stop when the outcome was known"


# Correct work the grader's own machinery once failed (its quota, its age, its namespaces):
# each validated on the cluster, in the grading namespace only, with the note saying what was
# done (a fragment of it, the same in both languages; None: no note expected).
VALIDATED_LIVE = {
    "ex4/loadbalancer_service": "LoadBalancer",
    "ex4/own_namespace": "`web`",
    "ex4/hpa_autoscaling_v2": "`autoscaling/v2`",
    "ex11/own_namespace": "`tp-kube`",
    "ex12/own_namespace": "`tp-deploy`",
    "ex12/two_replicas": None,  # the statement's 3 is good practice: 2 heal and scale as well
    "ex14/own_namespace": "`batch-work`",
    "ex14/six_runs_three_at_a_time": None,  # the statement's 5 and 2 are good practice
    "ex18/deployment_with_init": None,
}


@pytest.mark.parametrize("case", sorted(VALIDATED_LIVE))
def test_correct_work_the_graders_limits_once_refused_is_validated_with_a_note(
    case: str,
    catalogue: Catalogue,
    tmp_path: Path,
    cluster_choice: ClusterChoice,
    cluster: Cluster,
    engine: object,
) -> None:
    exercise_id = case.split("/")[0]
    before = cluster_objects(cluster)
    started = time.monotonic()
    result = _grade(catalogue, exercise_id, variant(*case.split("/")), tmp_path, cluster_choice)
    table = [(c.name, c.status, c.hint_key, c.hint) for c in result.checks if c.status != "passed"]
    assert result.validated(), table
    assert not [c for c in result.checks if c.status == "error"], table
    assert [c for c in result.checks if c.status == "not_attempted"] == [], table
    fragment = VALIDATED_LIVE[case]
    if (
        fragment == "`autoscaling/v2`"
        and cluster.kubectl("get", "--raw", "/apis/autoscaling/v2").ok
    ):
        fragment = None  # a cluster of 1.23 or later serves it: applied, no note
    if fragment is not None:
        assert any(fragment in note for note in result.notes), result.notes
    assert cluster_objects(cluster) == before  # the student's Namespace was never created
    if exercise_id != "ex4":
        assert time.monotonic() - started < 100, "a wait did not stop when the outcome was known"


def test_a_service_without_pods_is_diagnosed_from_the_cluster(
    catalogue: Catalogue, tmp_path: Path, cluster_choice: ClusterChoice, engine: object
) -> None:
    exercise = catalogue.get("ex4")
    work = tmp_path / "submission"
    work.mkdir()
    for manifest in (exercise.folder / "solution").glob("*.yaml"):
        text = manifest.read_text(encoding="utf-8")
        if manifest.name == "service.yaml":  # selects what the static checks cannot follow
            text = text.replace("app: nginx", "app: nginx\n    tier: web")
        (work / manifest.name).write_text(text, encoding="utf-8")
    result = _grade(catalogue, "ex4", work, tmp_path / "repo", cluster_choice)
    seen = {c.name: (c.status, c.hint_key) for c in result.checks}
    assert seen["test_service_selects_the_nginx_pods"][0] == "failed"
    assert seen["test_nginx_answers_through_the_ingress"] == (
        "failed",
        "common.k8s_service_no_endpoints",
    )


# --- a student never gets the cluster ------------------------------------------------------


def _hostile_manifest_cases() -> list[object]:
    return [pytest.param(p, id=p.name) for p in sorted(HOSTILE.glob("manifest_*")) if p.is_dir()]


@pytest.mark.parametrize("case", _hostile_manifest_cases())
def test_hostile_manifests_are_refused_and_leave_the_cluster_unchanged(
    case: Path,
    catalogue: Catalogue,
    tmp_path: Path,
    cluster_choice: ClusterChoice,
    cluster: Cluster,
    engine: object,
) -> None:
    expect = yaml.safe_load((case / "expect.yaml").read_text(encoding="utf-8"))
    before = cluster_objects(cluster)
    result = _grade(catalogue, str(expect["exercise"]), case, tmp_path, cluster_choice)
    seen = {c.name: (c.status, c.hint_key) for c in result.checks}
    for name, key in (expect.get("failed") or {}).items():
        assert seen.get(name) == ("failed", key), f"{name}: {seen.get(name)}"
    assert not [c for c in result.checks if c.status == "error"]
    assert cluster_objects(cluster) == before


@pytest.fixture
def namespace(cluster: Cluster) -> Iterator[str]:
    name = f"grader-test-{os.getpid()}-{time.monotonic_ns() % 100000}"
    yield name
    delete_namespace(cluster, name)


def test_the_submitter_identity_cannot_act_beyond_its_namespace(
    cluster: Cluster, namespace: str, tmp_path: Path
) -> None:
    """Past the policy (here bypassed on purpose), the API server itself refuses: every
    hostile manifest applied as the grading namespace's submitter is forbidden."""
    before = cluster_objects(cluster)
    for case in sorted(HOSTILE.glob("manifest_*")):
        folder = tmp_path / case.name
        folder.mkdir()
        for manifest in case.glob("*.yaml"):
            if manifest.name != "expect.yaml":
                (folder / manifest.name).write_bytes(manifest.read_bytes())
        applied = apply(cluster, folder, namespace=namespace, run_id="test")
        refused = applied.dry_run if not applied.dry_run.ok else applied.apply
        assert not applied.ok, f"{case.name} was accepted"
        assert refused is not None and (
            "forbidden" in refused.output.lower() or "invalid" in refused.output.lower()
        ), refused.output
    assert cluster_objects(cluster) == before


def test_the_quota_stops_a_submission_that_would_starve_the_node(
    cluster: Cluster, namespace: str, tmp_path: Path
) -> None:
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "greedy"},
        "spec": {
            "replicas": 40,
            "selector": {"matchLabels": {"app": "greedy"}},
            "template": {
                "metadata": {"labels": {"app": "greedy"}},
                "spec": {
                    "containers": [
                        {"name": "c", "image": "busybox:1.36", "command": ["sleep", "3600"]}
                    ]
                },
            },
        },
    }
    (tmp_path / "greedy.yaml").write_text(json.dumps(deployment), encoding="utf-8")
    assert apply(cluster, tmp_path, namespace=namespace, run_id="test").ok
    time.sleep(8)
    pods = cluster.kubectl("get", "pods", "-n", namespace, "-o", "name")
    events = cluster.kubectl("get", "events", "-n", namespace)
    assert len(pods.output.split()) <= 20
    assert "exceeded quota" in events.output


# --- one cluster, many students; nothing left behind ----------------------------------------


def test_a_batch_of_three_students_shares_one_cluster_and_leaves_nothing(
    tmp_path: Path, cluster_choice: ClusterChoice, cluster: Cluster, engine: object
) -> None:
    for student in ("ana", "ben", "chloe"):
        make_student(tmp_path / "clones" / student, {"ex11": None, "ex12": None})
    before = cluster_objects(cluster)
    out = io.StringIO()
    status = main(
        [
            "batch",
            str(tmp_path / "clones"),
            "--exercises",
            "ex11,ex12",
            "-j",
            "3",
            "--out",
            str(tmp_path / "out"),
            "--kubeconfig",
            str(cluster.kubeconfig),
        ],
        stdout=out,
    )
    assert status == 0, out.getvalue()
    scores = [r.score for r in journal.load([tmp_path / "out"]).values()]
    assert scores == [100.0, 100.0, 100.0], out.getvalue()
    assert cluster_objects(cluster) == before
    _wait_for_namespaces_gone(cluster)


def _wait_for_namespaces_gone(cluster: Cluster, seconds: float = 60) -> None:
    stop = time.monotonic() + seconds
    while namespaces(cluster) and time.monotonic() < stop:
        time.sleep(2)
    assert namespaces(cluster) == []


@pytest.mark.alone
def test_grader_clean_deletes_every_namespace_a_run_left(cluster: Cluster, tmp_path: Path) -> None:
    from grader.k8s.cluster import grading_namespace

    made = cluster.kubectl("apply", "-f", "-", stdin=grading_namespace("grader-left-x", "x"))
    assert made.ok, made.output
    out = io.StringIO()
    assert main(["clean", "--kubeconfig", str(cluster.kubeconfig)], stdout=out) == 0
    assert "grader-left-x" in out.getvalue()
    _wait_for_namespaces_gone(cluster)


def test_docker_live_checks_ignore_the_pods_of_a_running_cluster(
    cluster: Cluster, namespace: str, tmp_path: Path, engine: Any
) -> None:
    """A pod's nginx runs as a container of the same engine: `ex2 --live` must not take it
    for the student's nginx."""
    from grader.grading.checks import containers_from

    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "web"},
        "spec": {"containers": [{"name": "nginx", "image": "nginx:1.27"}]},
    }
    (tmp_path / "pod.yaml").write_text(json.dumps(pod), encoding="utf-8")
    assert apply(cluster, tmp_path, namespace=namespace, run_id="test").ok
    waited = cluster.kubectl(
        "wait", "-n", namespace, "--for=condition=Ready", "pod/web", "--timeout=60s", timeout=70
    )
    assert waited.ok, waited.output
    listed = subprocess.run(
        ["docker", "ps", "-q", "--filter", f"label=io.kubernetes.pod.namespace={namespace}"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert listed.stdout.split(), "the pod's containers are not on this engine"
    assert not {c.id[:12] for c in containers_from(engine, "nginx")} & set(listed.stdout.split())


# --- the course's kind of cluster: one namespace per student, no cluster rights -------------


@pytest.fixture
def student_space(cluster: Cluster, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A student's space as on the course's shared cluster: one namespace where they are
    admin (the built-in `admin` role), no right anywhere else; their kubeconfig works there."""
    space = f"etudiant-{os.getpid()}-{time.monotonic_ns() % 100000}"
    made = cluster.kubectl(
        "apply",
        "-f",
        "-",
        stdin=yaml.safe_dump_all(
            [
                {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": space}},
                {
                    "apiVersion": "v1",
                    "kind": "ServiceAccount",
                    "metadata": {"name": "etudiant", "namespace": space},
                },
                {
                    "apiVersion": "rbac.authorization.k8s.io/v1",
                    "kind": "RoleBinding",
                    "metadata": {"name": "etudiant-admin", "namespace": space},
                    "roleRef": {
                        "apiGroup": "rbac.authorization.k8s.io",
                        "kind": "ClusterRole",
                        "name": "admin",
                    },
                    "subjects": [
                        {"kind": "ServiceAccount", "name": "etudiant", "namespace": space}
                    ],
                },
            ]
        ),
    )
    assert made.ok, made.output
    secret = ""
    for _ in range(30):
        secret = cluster.kubectl(
            "get", "sa", "etudiant", "-n", space, "-o", "jsonpath={.secrets[0].name}"
        ).output.strip()
        if secret:
            break
        time.sleep(0.5)
    token = cluster.kubectl(
        "get", "secret", secret, "-n", space, "-o", "jsonpath={.data.token}"
    ).output.strip()
    admin = yaml.safe_load(cluster.kubeconfig.read_text(encoding="utf-8"))
    server = admin["clusters"][0]["cluster"]
    kubeconfig = tmp_path / "etudiant.kubeconfig"
    kubeconfig.write_text(
        yaml.safe_dump(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "clusters": [{"name": "ecole", "cluster": server}],
                "users": [
                    {"name": "etudiant", "user": {"token": base64.b64decode(token).decode()}}
                ],
                "contexts": [
                    {
                        "name": "ecole",
                        "context": {"cluster": "ecole", "user": "etudiant", "namespace": space},
                    }
                ],
                "current-context": "ecole",
            }
        ),
        encoding="utf-8",
    )
    yield space, kubeconfig
    delete_namespace(cluster, space)


def _as_student(kubeconfig: Path, *args: str, stdin: str | None = None) -> str:
    done = subprocess.run(
        ["kubectl", "--kubeconfig", str(kubeconfig), *args],
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def _version_of(kubeconfig: Path, what: str) -> str:
    """What changes when anyone but the cluster's controllers touches the object."""
    return _as_student(
        kubeconfig,
        "get",
        what,
        "-o",
        "jsonpath={.metadata.uid} {.metadata.generation} {.metadata.labels}",
    )


def test_in_a_students_only_namespace_the_grader_grades_there_and_removes_only_its_own(
    catalogue: Catalogue,
    tmp_path: Path,
    cluster: Cluster,
    student_space: tuple[str, Path],
    engine: object,
) -> None:
    space, kubeconfig = student_space
    can = subprocess.run(
        ["kubectl", "--kubeconfig", str(kubeconfig), "auth", "can-i", "create", "namespaces"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert can.stdout.strip() == "no"  # as on the course's cluster
    mine = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "mes-notes"},
        "data": {"todo": "ex12"},
    }
    _as_student(kubeconfig, "apply", "-f", "-", stdin=json.dumps(mine))
    before = _version_of(kubeconfig, "configmap/mes-notes")
    exercise = catalogue.get("ex11")
    result = _grade(
        catalogue,
        "ex11",
        exercise.folder / "solution",
        tmp_path,
        ClusterChoice(kubeconfig=str(kubeconfig)),
    )
    assert [(c.name, c.status, c.hint) for c in result.checks if c.status != "passed"] == []
    assert _version_of(kubeconfig, "configmap/mes-notes") == before  # theirs, untouched
    stop = time.monotonic() + 60
    while time.monotonic() < stop and _as_student(kubeconfig, "get", "pods", "-o", "name"):
        time.sleep(1)
    assert _as_student(kubeconfig, "get", "pods,services", "-l", LABEL_MANAGED, "-o", "name") == ""
    assert _as_student(kubeconfig, "get", "namespace", space, "-o", "name").strip()


def test_objects_of_the_same_name_in_the_students_namespace_are_never_touched(
    catalogue: Catalogue, tmp_path: Path, student_space: tuple[str, Path], engine: object
) -> None:
    _, kubeconfig = student_space
    exercise = catalogue.get("ex11")
    _as_student(kubeconfig, "apply", "-f", str(exercise.folder / "solution"))
    before = _version_of(kubeconfig, "pod/mynginx")
    result = _grade(
        catalogue,
        "ex11",
        exercise.folder / "solution",
        tmp_path,
        ClusterChoice(kubeconfig=str(kubeconfig)),
    )
    seen = {c.name: (c.status, c.hint_key) for c in result.checks}
    assert seen["test_pod_is_running_and_ready"] == ("not_attempted", "common.k8s_namespace_clash")
    assert _version_of(kubeconfig, "pod/mynginx") == before


def test_live_grades_what_the_student_deployed_read_only(
    catalogue: Catalogue, tmp_path: Path, student_space: tuple[str, Path], engine: object
) -> None:
    _, kubeconfig = student_space
    for exercise_id in ("ex11", "ex12"):
        _as_student(kubeconfig, "apply", "-f", str(catalogue.get(exercise_id).folder / "solution"))
    _as_student(kubeconfig, "wait", "--for=condition=Ready", "pod/mynginx", "--timeout=90s")
    _as_student(kubeconfig, "rollout", "status", "deployment/web", "--timeout=90s")
    before = (_version_of(kubeconfig, "pod/mynginx"), _version_of(kubeconfig, "deployment/web"))
    repo = tmp_path / "repo"
    repo.mkdir()
    report = grade(
        [catalogue.get("ex11"), catalogue.get("ex12")],
        root=repo,
        catalogue=catalogue,
        mode="live",
        cluster=ClusterChoice(kubeconfig=str(kubeconfig)),
    )
    for result in report.exercises:
        assert [(c.name, c.status, c.hint) for c in result.checks if c.status != "passed"] == []
        assert result.checks, result.id
    assert {c.name for r in report.exercises for c in r.checks} == {
        "test_pod_is_running_and_ready_live",
        "test_replicas_become_ready_live",
    }
    after = (_version_of(kubeconfig, "pod/mynginx"), _version_of(kubeconfig, "deployment/web"))
    assert after == before


@pytest.mark.alone
def test_grader_clean_with_a_students_rights_removes_only_what_gradings_labelled_there(
    student_space: tuple[str, Path],
) -> None:
    space, kubeconfig = student_space
    left = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "left-by-a-crash", "labels": {LABEL_MANAGED: "true"}},
    }
    mine = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "mes-notes"}}
    for body in (left, mine):
        _as_student(kubeconfig, "apply", "-f", "-", stdin=json.dumps(body))
    out = io.StringIO()
    assert main(["clean", "--kubeconfig", str(kubeconfig)], stdout=out) == 0
    assert f"configmap/left-by-a-crash (namespace {space})" in out.getvalue()
    stop = time.monotonic() + 30
    while time.monotonic() < stop and "left-by-a-crash" in _as_student(
        kubeconfig, "get", "configmaps", "-o", "name"
    ):
        time.sleep(1)
    remaining = set(_as_student(kubeconfig, "get", "configmaps", "-o", "name").split())
    assert remaining - {"configmap/kube-root-ca.crt"} == {"configmap/mes-notes"}


# --- the cluster itself (last: it is stopped and started again) ------------------------------


def _kube_chains() -> list[str]:
    dumped = subprocess.run(["iptables-save"], capture_output=True, text=True, check=False)
    return [line for line in dumped.stdout.splitlines() if "KUBE-" in line]


def test_down_removes_what_the_cluster_made_and_up_again_takes_seconds(
    cluster: Cluster, engine: Any
) -> None:
    if not cluster.own_node:
        pytest.skip("not the grader's own cluster: it is not ours to stop")
    script = ROOT / "scripts" / "cluster.sh"
    before = dict(
        line.split("=", 1)
        for line in (OWN_CLUSTER / "sysctls.before").read_text(encoding="utf-8").splitlines()
    )
    down = subprocess.run(
        ["bash", str(script), "down"], capture_output=True, text=True, check=False
    )
    assert down.returncode == 0, down.stderr
    assert list(OWN_CLUSTER.glob("pids/*")) == []
    assert engine.containers.list(all=True, filters={"label": "io.kubernetes.docker.type"}) == []
    assert _kube_chains() == []
    for key, value in before.items():
        now = subprocess.run(["sysctl", "-n", key], capture_output=True, text=True, check=False)
        assert now.stdout.strip() == value, key
    processes = subprocess.run(
        ["pgrep", "-f", str(OWN_CLUSTER)], capture_output=True, text=True, check=False
    )
    assert processes.stdout.strip() == ""
    started = time.monotonic()
    up = subprocess.run(["bash", str(script), "up"], capture_output=True, text=True, check=False)
    assert up.returncode == 0, up.stderr[-2000:]
    assert up.stdout.strip().splitlines()[-1] == str(OWN_CLUSTER / "admin.kubeconfig")
    assert time.monotonic() - started < 90
    again = subprocess.run(["bash", str(script), "up"], capture_output=True, text=True, check=False)
    assert again.returncode == 0 and "already running" in again.stderr
