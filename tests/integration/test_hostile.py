"""The hostile corpus (fixtures/hostile/): each submission asks the host for something no
exercise needs. Each is refused by the policy before anything runs, reported as a failed
check with the reason, and leaves nothing behind; the next submission grades normally."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from grader.containers import compose
from grader.containers.buildguard import can_limit_pids
from grader.containers.engine import Client
from grader.containers.limits import Limits
from grader.containers.policy import compose_violations
from grader.grading.runner import grade
from grader.k8s.manifests import load
from grader.k8s.policy import manifest_violations
from grader.model.catalogue import Catalogue
from grader.model.labels import LABEL_MANAGED
from tests.helpers.repos import ROOT, make_repo

pytestmark = pytest.mark.docker
HOSTILE = ROOT / "fixtures" / "hostile"


def _cases() -> list[object]:
    return [pytest.param(p, id=p.name) for p in sorted(HOSTILE.iterdir()) if p.is_dir()]


def _expect(case: Path) -> dict[str, object]:
    data: dict[str, object] = yaml.safe_load((case / "expect.yaml").read_text(encoding="utf-8"))
    return data


def _rules(case: Path, tmp_path: Path) -> set[str]:
    """What the policy finds in the case, read the way the grader reads it."""
    work = make_repo(tmp_path, {"case": case}) / "case"
    found = compose.find_file(work)
    if found is None:
        return {v.rule for v in manifest_violations(load(work))}
    config = compose.load(found, project="grader-policy-test")
    return {v.rule for v in compose_violations(config.data, work)} if config.ok else set()


@pytest.mark.parametrize("case", _cases())
def test_each_hostile_submission_is_refused_with_its_reasons_and_nothing_runs(
    case: Path,
    catalogue: Catalogue,
    engine: Client,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    expect = _expect(case)
    if expect.get("needs_pids_limit") and not can_limit_pids(engine):
        pytest.skip(
            "this engine gives no way to limit a build's processes (remote engine or "
            "systemd cgroup driver): a fork bomb is not run here"
        )
    for name, value in (expect.get("env") or {}).items():  # type: ignore[attr-defined]
        monkeypatch.setenv(name, str(value))
    rules = set(expect.get("rules") or [])  # type: ignore[call-overload]
    assert _rules(case, tmp_path / "rules") == rules
    exercise = catalogue.get(str(expect["exercise"]))
    repo = make_repo(tmp_path, {exercise.submission: case})
    since = time.time()
    result = grade([exercise], root=repo, catalogue=catalogue).exercises[0]
    seen = {c.name: (c.status, c.hint_key) for c in result.checks}
    for status in ("failed", "not_attempted"):
        for name, key in (expect.get(status) or {}).items():  # type: ignore[attr-defined]
            assert seen.get(name) == (status, key), f"{name}: {seen.get(name)}"
    assert not [c for c in result.checks if c.status == "error"]
    assert engine.ping(), "the engine is not healthy any more"
    assert subprocess.run(["true"], check=False).returncode == 0  # the host can still fork
    if rules:  # refused by the policy: nothing may have started
        started = engine.events(
            since=since,
            until=time.time(),
            decode=True,
            filters={"label": LABEL_MANAGED, "event": "start"},
        )
        assert list(started) == [], "a refused submission started a container"


def test_a_check_past_its_budget_fails_with_timed_out_and_the_run_goes_on(
    catalogue: Catalogue, engine: Client, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GRADER_CHECK_SECONDS", "3")
    exercise = catalogue.get("ex1")
    repo = make_repo(tmp_path, {"ex1": HOSTILE / "cmd_never_exits"})
    started = time.monotonic()
    result = grade([exercise], root=repo, catalogue=catalogue).exercises[0]
    seen = {c.name: (c.status, c.hint_key) for c in result.checks}
    assert seen["test_default_command_runs"] == ("failed", "common.timed_out")
    assert seen["test_hadolint_advice"][0] in ("passed", "advice")  # the next check still ran
    assert time.monotonic() - started < 60


@pytest.fixture
def port_8082_taken() -> Iterator[None]:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as held:
        held.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        held.bind(("0.0.0.0", 8082))
        held.listen()
        yield


def test_a_port_already_taken_on_the_host_is_reported_and_the_next_submission_grades(
    catalogue: Catalogue, engine: Client, tmp_path: Path, port_8082_taken: None
) -> None:
    exercise = catalogue.get("ex2")
    repo = make_repo(tmp_path, {"ex2": exercise.folder / "solution"})
    result = grade([exercise], root=repo, catalogue=catalogue).exercises[0]
    seen = {c.name: (c.status, c.hint_key) for c in result.checks}
    assert seen["test_stack_starts"] == ("failed", "ex2.port_taken")
    other = catalogue.get("ex5")
    after = grade(
        [other],
        root=make_repo(tmp_path / "next", {"ex5": other.folder / "solution"}),
        catalogue=catalogue,
    ).exercises[0]
    assert after.scored().points == after.scored().max_points


def test_host_folders_outside_the_submission_are_rerooted_and_never_mounted(
    engine: Client, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`/srv/…`, `~/…`, `$HOME/…`, `${VAR}/…` and `../…` outside the folder are graded from a
    scratch folder: the engine mounts the scratch copy, never the host's folder."""
    secret = tmp_path / "host" / "secret"
    secret.mkdir(parents=True)
    (secret / "marker").write_text("the host's own file")
    monkeypatch.setenv("DATA_ROOT", str(secret))
    work = tmp_path / "repo" / "ex2"
    work.mkdir(parents=True)
    (work / "compose.yaml").write_text(
        "services:\n  web:\n    image: nginx:alpine\n    volumes:\n"
        "      - /srv/grader-probe/mysql:/a\n      - ~/grader-probe:/b\n"
        "      - $HOME/grader-probe-2:/c\n      - ${DATA_ROOT}:/d\n      - ../../host/secret:/e\n"
        "      - ./inside:/f\n",
        encoding="utf-8",
    )
    config = compose.load(work / "compose.yaml", project="grader-reroot-test")
    assert config.ok, config.error
    assert compose_violations(config.data, work) == []
    scratch = tmp_path / "scratch"
    project = compose.prepare(
        config.data,
        name="grader-reroot-test",
        folder=work,
        labels={LABEL_MANAGED: "1"},
        limits=Limits(),
        scratch=scratch,
    )
    assert len(project.moved) == 4 and str(secret) in project.moved  # /d and /e: one folder
    try:
        assert project.up(timeout=60).ok
        container = compose.containers(engine, project.name)[0]
        sources = {m["Destination"]: m["Source"] for m in container.attrs["Mounts"]}
        assert all(Path(sources[d]).is_relative_to(scratch) for d in ("/a", "/b", "/c", "/d", "/e"))
        assert Path(sources["/f"]) == (work / "inside").resolve()
        seen = container.exec_run(["ls", "/d", "/e"]).output.decode()
        assert "marker" not in seen
    finally:
        project.down()
    assert not Path("/srv/grader-probe").exists()
