"""GitLab CI pipelines run for real, by `gitlab-ci-local` (npm), the way a runner runs them.

The topology is GitLab's documented one: each job in its `image:` (the python stand-in playing
python:3.11-bookworm), its `services:` beside it (a Docker-in-Docker stand-in playing
docker:27-dind, TLS on tcp://docker:2376, the client certificates shared in /certs/client as
a runner's `volumes = ["/certs/client"]` shares them). What differs from a school's runner, and
why, is said where it is set: no registry here, so every image is a local stand-in
(fixtures/gitlab/images); these machines lack CAP_SYS_RESOURCE, so `--privileged` is every
capability but that one (tests/helpers/docker-privileged); the dind engine is preloaded with
the grader's stand-ins a job needs (an air-gapped room's dind does the same), instead of
pulling them from Docker Hub; the package index is a real one (pypiserver) on the docker0
address, which the job's containers reach.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import docker

from tests.helpers.classes import git, make_student

ROOT = Path(__file__).resolve().parents[2]
IMAGES = ROOT / "fixtures" / "gitlab" / "images"
HELPERS = Path(__file__).resolve().parent
VERSION = "4.75.1"
# Where scripts/test.sh installs Node 22 and gitlab-ci-local (Debian's Node 20 crashes it).
INSTALL = Path(os.environ.get("GRADER_GCL_DIR", ROOT / ".cache" / "gitlab-ci-local"))
DIND = "docker:27-dind"
PYTHON = "python:3.11-bookworm"
UTIL = "local/gcl-util:standin"
WAIT = "local/wait-for-it:standin"
BRIDGE = "172.17.0.1"  # docker0: the host as the job containers reach it
CA_FILE = "/etc/ssl/certs/ca-certificates.crt"  # this machine's trust store (its HTTPS proxy)
PIP_CACHE = "grader-gcl-pip"  # a runner's cache volume: dependencies downloaded once a run


def command() -> list[str] | None:
    node = INSTALL / "node_modules" / ".bin" / "node"
    script = INSTALL / "node_modules" / "gitlab-ci-local" / "dist" / "index.js"
    return [str(node), str(script)] if node.exists() and script.exists() else None


def install() -> list[str]:
    """Node 22 and gitlab-ci-local from npm, once (what scripts/test.sh does)."""
    found = command()
    if found is None:
        INSTALL.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                "npm",
                "install",
                "--silent",
                "--prefix",
                str(INSTALL),
                "node@22",
                f"gitlab-ci-local@{VERSION}",
            ],
            check=True,
            capture_output=True,
        )
        found = command()
    assert found is not None, f"gitlab-ci-local did not install into {INSTALL}"
    return found


def build_images(client: docker.DockerClient) -> None:
    """The stand-ins the pipelines need: the job image, the dind service, the helpers."""
    from grader.containers.images import ensure_standin, seed_one

    seed_one(client, "debian")
    ensure_standin(client, PYTHON)
    for folder, tag in (("dind", "local/dind:standin"), ("gcl-util", UTIL), ("wait-for-it", WAIT)):
        try:
            client.images.get(tag)
        except docker.errors.ImageNotFound:
            client.images.build(path=str(IMAGES / folder), tag=tag, rm=True)
    client.images.get("local/dind:standin").tag(*DIND.split(":"))


def preload(client: docker.DockerClient, refs: list[str], folder: Path) -> Path:
    """`refs` saved in one tar that the dind stand-in loads before it opens its port."""
    folder.mkdir(parents=True, exist_ok=True)
    tar = folder / "images.tar"
    if not tar.exists():
        subprocess.run(["docker", "save", "-o", str(tar), *refs], check=True)
        tar.chmod(0o644)
    return folder


def git_repo(folder: Path, remote: str) -> Path:
    """`folder` as a committed git repository with an `origin`, as a GitLab project is."""
    make_student(folder, {})  # commits what is there
    git(folder, "remote", "add", "origin", remote)
    return folder


def project_copy(target: Path) -> Path:
    """This repository's working tree (tracked and new files, nothing ignored) as a project."""
    listed = subprocess.run(
        ["git", "-C", str(ROOT), "ls-files", "-co", "--exclude-standard", "-z"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_symlink() or source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            if source.is_symlink():
                (target / name).symlink_to(os.readlink(source))
            else:
                shutil.copy2(source, target / name)
    return git_repo(target, "https://gitlab.example.org/course/grader.git")


@dataclass
class Pipeline:
    """One gitlab-ci-local run: its exit status, its log, and each job's end (PASS/WARN/FAIL)."""

    returncode: int
    log: str
    folder: Path

    def status(self, job: str) -> str:
        found = re.findall(rf"^ (PASS|WARN|FAIL) +{re.escape(job)}(?=\s|$)", self.log, re.M)
        return found[-1] if found else "absent"

    def artifacts(self, job: str) -> Path:
        return self.folder / ".gitlab-ci-local" / "artifacts" / job.replace(" ", "-")

    def build(self, job: str) -> Path:
        return self.folder / ".gitlab-ci-local" / "builds" / job.replace(" ", "-")


def run(
    folder: Path,
    *jobs: str,
    variables: dict[str, str],
    preloaded: Path | None = None,
    timeout: int = 900,
) -> Pipeline:
    """Run `jobs` of folder's .gitlab-ci.yml (all of them if none) in containers."""
    volumes = ["%gcl-cert%:/certs/client", f"{PIP_CACHE}:/root/.cache/pip"]
    if preloaded is not None:
        volumes.append(f"{preloaded}:/preload:ro")
    args = [
        *install(),
        "--privileged",
        "--pull-policy",
        "if-not-present",
        "--no-color",
        "--container-executable",
        str(HELPERS / "docker-privileged"),
        "--helper-image",
        UTIL,
        "--wait-image",
        WAIT,
        "--wait-for-services-timeout",
        "120",
        "--ca-file",
        CA_FILE,
        "--cleanup",
        *(f"--volume={v}" for v in volumes),
        *(f"--variable={k}={v}" for k, v in variables.items()),
        *jobs,
    ]
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    done = subprocess.run(
        args, cwd=folder, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    (folder / ".gitlab-ci-local" / "run.log").write_text(
        done.stdout + done.stderr, encoding="utf-8"
    )
    return Pipeline(done.returncode, done.stdout + done.stderr, folder)


def pip_variables(index: str) -> dict[str, str]:
    """What a course behind this machine's HTTPS proxy sets: pip trusts the proxy's CA, and
    the local index (plain HTTP on the docker0 address)."""
    return {"PIP_CERT": CA_FILE, "PIP_TRUSTED_HOST": BRIDGE, "GRADER_INDEX_URL": index}


@contextlib.contextmanager
def package_index(folder: Path) -> Iterator[str]:
    """A real PyPI-compatible index (pypiserver) on the docker0 address; yields its URL.
    Uploads need no password here (`-a . -P .`): twine sends the job token all the same."""
    with socket.socket() as probe:
        probe.bind((BRIDGE, 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "pypi-server"),
            "run",
            "-i",
            BRIDGE,
            "-p",
            str(port),
            "-a",
            ".",
            "-P",
            ".",
            "--overwrite",
            str(folder),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://{BRIDGE}:{port}"
    try:
        for _ in range(100):
            with contextlib.suppress(OSError), socket.create_connection((BRIDGE, port), 0.2):
                break
            time.sleep(0.1)
        yield url
    finally:
        server.terminate()
        server.wait(10)
