from __future__ import annotations

import pytest

from grader.images import base_images, repository, with_tag


@pytest.mark.parametrize(
    ("ref", "repo"),
    [("nginx", "nginx"), ("nginx:1.25-alpine", "nginx"), ("docker.io/library/ubuntu:22.04", "ubuntu"),
     ("library/debian:bookworm-slim", "debian"), ("localhost:5000/team/app:1", "localhost:5000/team/app"),
     ("nginx@sha256:abc", "nginx")],
)  # fmt: skip
def test_repository_strips_registry_tag_and_digest(ref: str, repo: str) -> None:
    assert repository(ref) == repo


def test_with_tag_adds_latest_only_when_no_tag() -> None:
    assert with_tag("ubuntu") == "ubuntu:latest"
    assert with_tag("localhost:5000/app") == "localhost:5000/app:latest"
    assert with_tag("ubuntu:22.04") == "ubuntu:22.04"


def test_base_images_skips_scratch_build_stages_and_variables() -> None:
    dockerfile = (
        "ARG V=1\nFROM --platform=linux/amd64 golang:1.22 AS build\nRUN make\n"
        "from build as test\nFROM scratch\nFROM ubuntu:${V}\nFROM nginx:alpine\n"
    )
    assert base_images(dockerfile) == ["golang:1.22", "nginx:alpine"]
