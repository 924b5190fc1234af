from __future__ import annotations

import pytest

from grader.containers.http import published_url


def test_published_ports_are_reached_on_the_docker_host(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DOCKER_HOST", raising=False)
    assert published_url(8082) == "http://localhost:8082/"
    monkeypatch.setenv("DOCKER_HOST", "tcp://docker:2376")
    assert published_url(8082) == "http://docker:8082/"
    monkeypatch.setenv("DOCKER_HOST", "unix:///var/run/docker.sock")
    assert published_url("8082", "/x") == "http://localhost:8082/x"


class _Container:
    def __init__(self, ports: dict[str, object]) -> None:
        self.attrs = {"NetworkSettings": {"Ports": ports}}


def test_the_ipv4_binding_wins_when_docker_picks_two_ephemeral_ports() -> None:
    from grader.containers.engine import published_ports

    split = {
        "80/tcp": [
            {"HostIp": "0.0.0.0", "HostPort": "33350"},
            {"HostIp": "::", "HostPort": "33349"},
        ]
    }
    assert published_ports(_Container(split)) == [("80", "33350")]
    same = {
        "80/tcp": [{"HostIp": "0.0.0.0", "HostPort": "8082"}, {"HostIp": "::", "HostPort": "8082"}]
    }
    assert published_ports(_Container(same)) == [("80", "8082")]
    only_v6 = {"80/tcp": [{"HostIp": "::", "HostPort": "8082"}], "443/tcp": None}
    assert published_ports(_Container(only_v6)) == [("80", "8082")]


def test_where_the_engine_is_is_decided_once(monkeypatch: pytest.MonkeyPatch) -> None:
    from grader.containers.docker_host import engine_host, engine_is_local

    for value, host, local in [
        ("", "localhost", True),
        ("unix:///var/run/docker.sock", "localhost", True),
        ("tcp://127.0.0.1:2375", "127.0.0.1", True),
        ("tcp://docker:2376", "docker", False),
        ("ssh://me@build.example", "build.example", False),
    ]:
        monkeypatch.setenv("DOCKER_HOST", value)
        assert (engine_host(), engine_is_local()) == (host, local), value
