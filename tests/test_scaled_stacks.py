"""What a scaled Compose stack needs from the grader, without an engine: the base images of
the services it builds, and the host ports of a published range locked one by one."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.containers import compose, ports
from grader.containers.standins import STANDINS, Mirror, plan


def test_the_base_images_of_built_services_are_those_of_their_dockerfiles(
    tmp_path: Path,
) -> None:
    (tmp_path / "Dockerfile").write_text("FROM python:3.11-slim\nCOPY . .\n", encoding="utf-8")
    (tmp_path / "api").mkdir()
    (tmp_path / "api" / "Web.dockerfile").write_text(
        "FROM node:20 AS build\nFROM build\nFROM python:3.11-slim\n", encoding="utf-8"
    )
    config = {
        "services": {
            "web": {"build": {"context": str(tmp_path)}},
            "api": {"build": {"context": str(tmp_path / "api"), "dockerfile": "Web.dockerfile"}},
            "gone": {"build": {"context": str(tmp_path / "missing")}},
            "redis": {"image": "redis"},
        }
    }
    assert compose.build_base_images(config) == ["python:3.11-slim", "node:20"]


def test_a_published_range_names_each_of_its_ports_and_a_wide_one_none() -> None:
    assert ports.numbers("8082") == ["8082"]
    assert ports.numbers("5000-5002") == ["5000", "5001", "5002"]
    assert ports.numbers("5002-5000") == []
    assert ports.numbers("3000-9000") == []
    assert ports.numbers("") == [] and ports.numbers("${PORT}") == []


def test_every_port_of_a_range_is_held_while_the_stack_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ports.LOCK_DIR_VARIABLE, str(tmp_path))
    with ports.held(["5000-5002", "8082", None, ""]):
        held = sorted(p.name for p in tmp_path.iterdir())
    assert held == ["5000.lock", "5001.lock", "5002.lock", "8082.lock"]


def test_redis_and_python_have_stand_ins() -> None:
    assert STANDINS["redis"] == ("redis", "local/redis:standin")
    assert STANDINS["python"] == ("python", "local/python:standin")


def test_the_python_stand_in_plays_python_3_11_only() -> None:
    mirror = Mirror("http://mirror.room/debian")
    for tag in ("3.11", "3.11-slim", "3.11.9-slim-bookworm", "3.11-alpine"):
        standin = plan(f"python:{tag}", mirror)
        assert standin is not None and standin.image == "local/python:standin", tag
    for tag in ("3.12-slim", "3.7-alpine", "3", "latest", "3.1"):
        assert plan(f"python:{tag}", mirror) is None, tag
