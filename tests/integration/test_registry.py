"""ex16's registry on the real engine: the local registry a run starts (Debian's
docker-registry) answers, takes a push from the engine, and leaves nothing behind; `--live`
grades what a student's engine pushed to a registry. GitLab's own registry cannot run here: its
case is skipped, saying so."""

from __future__ import annotations

import os
import socket
import subprocess
from pathlib import Path

import pytest

from grader.containers import registry
from grader.containers.engine import Client
from grader.grading.runner import grade
from grader.model.catalogue import Catalogue

pytestmark = [
    pytest.mark.docker,
    pytest.mark.skipif(registry.available() is None, reason="docker-registry is not installed"),
]
SOLUTION = Path(__file__).parents[2] / "exercises" / "ex16_publish_image" / "solution"


def _answers(host: str) -> bool:
    address, port = host.split(":")
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex((address, int(port))) == 0


def test_the_local_registry_takes_a_push_and_is_removed_after(engine: Client) -> None:
    with registry.LocalRegistry() as local:
        host, folder, process = local.host, local.folder, local.process
        assert host.startswith("127.0.0.1:") and _answers(host)
        image = engine.images.list()[0]
        image.tag(f"{host}/essai/image", "1.0.0")
        try:
            pushed = list(
                engine.api.push(f"{host}/essai/image", tag="1.0.0", stream=True, decode=True)
            )
        finally:
            engine.images.remove(f"{host}/essai/image:1.0.0", noprune=True)
        assert not [c for c in pushed if c.get("error")]
        assert local.client().tags("essai/image") == ["1.0.0"]
        manifest = local.client().manifest("essai/image", "1.0.0")
        assert manifest is not None and manifest.config == image.id
    assert process is not None and process.poll() is not None
    assert folder is not None and not folder.exists() and not _answers(host)


def test_a_missing_registry_program_is_said_not_raised(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(registry, "BINARY", "docker-registry-absent")
    with pytest.raises(registry.RegistryError, match="apt-get install docker-registry-absent"):
        registry.LocalRegistry().__enter__()


@pytest.mark.parametrize(
    "pushed",
    ["groupe/projet/cowsay", "groupe/projet"],  # the statement's name; $CI_REGISTRY_IMAGE itself
)
def test_live_grades_what_the_student_s_engine_pushed(
    pushed: str,
    engine: Client,
    catalogue: Catalogue,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    exercise = catalogue.get("ex16")
    with registry.LocalRegistry() as local:
        name = f"{local.host}/{pushed}"
        monkeypatch.setenv("GRADER_REGISTRY", f"{local.host}/groupe/projet")
        empty = grade([exercise], root=tmp_path, mode="live", catalogue=catalogue).exercises[0]
        subprocess.run(
            ["docker", "build", "-q", "-t", f"{name}:1.0.0", str(SOLUTION)],
            check=True,
            capture_output=True,
            timeout=300,
        )
        try:
            subprocess.run(
                ["docker", "push", "-q", f"{name}:1.0.0"],
                check=True,
                capture_output=True,
                timeout=120,
            )
        finally:
            subprocess.run(["docker", "rmi", f"{name}:1.0.0"], capture_output=True, timeout=60)
        result = grade([exercise], root=tmp_path, mode="live", catalogue=catalogue).exercises[0]
    assert {c.name: c.hint_key for c in empty.checks if c.status != "passed"} == {
        "test_live_version_tag_is_in_the_registry": "ex16.live_not_published",
        "test_live_image_pulled_back_shows_the_cow": "ex16.not_published_prerequisite",
    }
    assert [c.status for c in result.checks] == ["passed", "passed"]
    assert result.scored().points == 10


@pytest.mark.skipif(
    not (os.environ.get("CI_REGISTRY_IMAGE") and os.environ.get("CI_JOB_TOKEN")),
    reason="GitLab's own registry cannot run here (no GitLab, no network): the --live path "
    "against $CI_REGISTRY_IMAGE with the job token is only exercised in a GitLab job",
)
def test_live_reads_gitlab_s_registry_with_the_job_token() -> None:
    host, path = f"{os.environ['CI_REGISTRY_IMAGE']}/cowsay".split("/", 1)
    client = registry.RegistryClient(
        host, username="gitlab-ci-token", password=os.environ["CI_JOB_TOKEN"]
    )
    assert isinstance(client.tags(path), list)
