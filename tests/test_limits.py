from __future__ import annotations

from pathlib import Path

from grader.containers.limits import DEFAULT, Limits, for_params, size_bytes


def test_sizes_are_read_in_docker_units() -> None:
    assert size_bytes("512m") == 512 * 1024**2
    assert size_bytes("1g") == 1024**3
    assert size_bytes("536870912") == 536870912
    assert size_bytes("lots") is None


def test_a_compose_service_is_capped_but_never_raised() -> None:
    greedy = {"mem_limit": "8g", "pids_limit": 100000, "cpus": 8}
    DEFAULT.cap_service(greedy)
    assert greedy == {"mem_limit": str(512 * 1024**2), "pids_limit": 256, "cpus": 1.0}
    modest = {"mem_limit": "64m", "pids_limit": 50, "cpus": 0.5}
    DEFAULT.cap_service(modest)
    assert modest == {"mem_limit": str(64 * 1024**2), "pids_limit": 50, "cpus": 0.5}
    bare: dict[str, object] = {}
    DEFAULT.cap_service(bare)
    assert bare == {"mem_limit": str(512 * 1024**2), "pids_limit": 256, "cpus": 1.0}


def test_an_exercise_and_the_environment_may_override_the_defaults() -> None:
    assert for_params({}, environ={}) == DEFAULT
    assert for_params({"limits": {"memory": "1g", "bogus": 1}}, environ={}) == Limits(memory="1g")
    assert for_params({}, environ={"GRADER_CHECK_SECONDS": "5"}).check_seconds == 5
    assert DEFAULT.run_options() == {
        "mem_limit": "512m",
        "pids_limit": 256,
        "nano_cpus": 1_000_000_000,
    }


def test_the_labelled_copy_never_competes_for_names_or_ports(tmp_path: Path) -> None:
    import json

    from grader.containers import compose

    config = {
        "services": {
            "notebook": {
                "image": "jupyter/base-notebook",
                "container_name": "notebook",
                "ports": [{"target": 8888, "published": "8888"}],
            }
        }
    }
    project = compose.prepare(
        config,
        name="grader-ab12-ex3",
        folder=tmp_path,
        labels={"k": "v"},
        limits=Limits(),
        ephemeral_ports=True,
    )
    service = json.loads(project.file.read_text())["services"]["notebook"]
    assert service["container_name"] == "grader-ab12-ex3-notebook"
    assert service["ports"] == [{"target": 8888}]
    assert (
        config["services"]["notebook"]["container_name"] == "notebook"
    )  # the student's copy untouched


def test_builds_get_the_same_limits_as_containers_plus_time_and_disk() -> None:
    assert DEFAULT.build_options() == {
        "memory": 512 * 1024**2,
        "pids": 256,
        "seconds": 240,
        "disk_bytes": 2 * 1024**3,
    }
    assert Limits(build_disk="lots").build_options()["disk_bytes"] == 2 * 1024**3


def test_a_build_guard_that_cannot_ask_the_engine_says_why_its_limits_are_off() -> None:
    """`docker info` failing used to turn the process limit and the watchdog off in silence."""
    from grader.containers.buildguard import Guard

    class EngineThatFailsInfo:
        def info(self) -> dict[str, str]:
            raise ConnectionError("engine went away")

    with Guard(EngineThatFailsInfo(), pids=64, seconds=1, disk_bytes=1) as guard:
        assert guard.cgroup_parent is None and not guard.pids_limited
    assert guard.unguarded == "docker info failed: ConnectionError: engine went away"


def test_the_graders_notes_are_in_every_report_format() -> None:
    from grader.model.results import CheckResult, ExerciseResult, Report
    from grader.reports.report import render

    exercise = ExerciseResult(
        "ex1",
        "cowsay",
        "1",
        "ex1",
        [CheckResult("test_builds", "builds", "passed", 1, 1)],
        notes=["La construction a tourné sans toutes ses limites (x)"],
    )
    report = Report("0", "fr", "files", "/r", "now", exercises=[exercise])
    for fmt in ("text", "md", "html", "json"):
        assert "sans toutes ses limites (x)" in render(report, fmt), fmt
