"""Ctrl-C in the middle of a grading removes everything the grader had created."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest

from grader.model.labels import LABEL_MANAGED
from tests.helpers.leftovers import managed
from tests.helpers.processes import grader_process
from tests.helpers.repos import ROOT

pytestmark = pytest.mark.docker


def test_ctrl_c_during_a_grading_leaves_nothing_behind(engine, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    child = grader_process("check", "ex2", "--path", str(ROOT / "fixtures" / "sample"))
    deadline = time.monotonic() + 30
    while not managed(engine) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert managed(engine), "the grading never started a container"
    child.send_signal(signal.SIGINT)
    _, err = child.communicate(timeout=60)
    assert child.returncode == 130
    assert "Interrompu : tout ce que le correcteur avait créé a été supprimé." in err
    assert managed(engine) == []


def test_stopped_from_a_scripts_background_job_the_checks_still_stop_at_once(  # type: ignore[no-untyped-def]
    engine, tmp_path: Path
) -> None:
    """A background job of a script ignores SIGINT, and its children inherit that; the
    runner stops its checks with SIGINT (so that they clean up): they must still hear it,
    not go on until the runner's grace of 15 s is over and they are killed."""
    (tmp_path / "ex1").mkdir()
    (tmp_path / "ex1" / "Dockerfile").write_text('FROM ubuntu\nCMD ["sleep", "infinity"]\n')
    child = grader_process(
        "check",
        "ex1",
        "--path",
        str(tmp_path),
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
    )
    deadline = time.monotonic() + 60
    while not _sleeping(engine) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _sleeping(engine), "the image's command (sleep infinity) never ran"
    child.send_signal(signal.SIGTERM)  # what `timeout`, or a cancelled CI job, sends
    asked = time.monotonic()
    child.communicate(timeout=60)
    assert child.returncode == 130
    assert time.monotonic() - asked < 10
    assert managed(engine) == []


def _sleeping(engine) -> bool:  # type: ignore[no-untyped-def]
    running = engine.containers.list(filters={"label": [LABEL_MANAGED]})
    return any("sleep" in " ".join(c.attrs["Config"]["Cmd"] or []) for c in running)


def test_grader_clean_removes_what_a_killed_run_left(engine) -> None:  # type: ignore[no-untyped-def]
    from grader.cli import main
    from grader.model.labels import labels

    engine.networks.create("grader-leftover-net", labels=labels("killed-run"))
    engine.containers.create("nginx:latest", name="grader-leftover", labels=labels("killed-run"))
    # a pod's sandbox on the same engine carries its pod's labels, the grader's among them: it
    # is the kubelet's, removed through the cluster (`--kubeconfig`), never behind its back
    pod = {**labels("killed-run"), "io.kubernetes.pod.name": "web"}
    sandbox = engine.containers.create("nginx:latest", name="k8s_POD_web_x_0", labels=pod)
    try:
        assert main(["clean"]) == 0
        assert managed(engine) == []
        sandbox.reload()  # still there
    finally:
        sandbox.remove(force=True)


def test_grader_clean_also_cleans_a_cluster_when_asked_and_says_when_there_is_none(
    engine,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    """Namespaces left on a cluster are deleted by label; without a cluster (as here), the
    Docker side is still cleaned and the message says why the cluster was not."""
    import io

    from grader.cli import main
    from grader.model.labels import labels

    engine.networks.create("grader-leftover-net2", labels=labels("killed-run"))
    out = io.StringIO()
    assert main(["clean", "--kubeconfig", str(tmp_path / "none")], stdout=out) == 0
    assert f"no cluster (no kubeconfig at {tmp_path / 'none'})" in out.getvalue()
    assert managed(engine) == []
