from __future__ import annotations

import pytest

from grader.http import published_url


def test_published_ports_are_reached_on_the_docker_host(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DOCKER_HOST", raising=False)
    assert published_url(8082) == "http://localhost:8082/"
    monkeypatch.setenv("DOCKER_HOST", "tcp://docker:2376")
    assert published_url(8082) == "http://docker:8082/"
    monkeypatch.setenv("DOCKER_HOST", "unix:///var/run/docker.sock")
    assert published_url("8082", "/x") == "http://localhost:8082/x"
