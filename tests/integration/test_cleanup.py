"""Ctrl-C in the middle of a grading removes everything the grader had created."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from grader.containers.engine import grader_images
from grader.model.labels import LABEL_MANAGED
from tests.helpers.repos import ROOT

pytestmark = pytest.mark.docker


def _labelled(engine) -> list[str]:  # type: ignore[no-untyped-def]
    selector = {"label": [LABEL_MANAGED]}
    return [c.name for c in engine.containers.list(all=True, filters=selector)] + [
        n.name for n in engine.networks.list(filters=selector)
    ]


def test_ctrl_c_during_a_grading_leaves_nothing_behind(engine, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    grader = Path(sys.executable).parent / "grader"
    child = subprocess.Popen(
        [str(grader), "check", "ex2", "--path", str(ROOT / "fixtures" / "sample")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 30
    while not _labelled(engine) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _labelled(engine), "the grading never started a container"
    child.send_signal(signal.SIGINT)
    _, err = child.communicate(timeout=60)
    assert child.returncode == 130
    assert "Interrompu : tout ce que le correcteur avait créé a été supprimé." in err
    assert _labelled(engine) == [] and grader_images(engine) == []


def test_grader_clean_removes_what_a_killed_run_left(engine) -> None:  # type: ignore[no-untyped-def]
    from grader.cli import main
    from grader.model.labels import labels

    engine.networks.create("grader-leftover-net", labels=labels("killed-run"))
    engine.containers.create("nginx:latest", name="grader-leftover", labels=labels("killed-run"))
    assert main(["clean"]) == 0
    assert _labelled(engine) == []


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
    assert _labelled(engine) == []
