"""Image registries: a real local one for a grading run, and what a registry holds.

`LocalRegistry` starts Debian's `docker-registry` (the CNCF Distribution registry, API v2) on
127.0.0.1, on a free port, with its storage in a temporary folder, and always stops it and
removes the folder. The engine pushes to it without TLS: dockerd treats 127.0.0.0/8 as an
insecure registry by default. It dies with the grading process (`PR_SET_PDEATHSIG`), so a
killed run leaves no registry behind.

`RegistryClient` reads a registry over its HTTP API v2 (tags, manifests, blobs), anonymously
or with the credentials a registry asks for: Basic, or GitLab's Bearer tokens (the token
service named by the `WWW-Authenticate` challenge, given a user and a password or a CI job
token). Never raises for a registry that does not answer: `RegistryError` carries why.
"""

from __future__ import annotations

import contextlib
import ctypes
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

BINARY = "docker-registry"  # Debian's package of the same name
MANIFESTS = ", ".join(
    [
        "application/vnd.docker.distribution.manifest.v2+json",
        "application/vnd.oci.image.manifest.v1+json",
    ]
)
LISTS = (
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.oci.image.index.v1+json",
)
CONFIG = """version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: {root}
  delete:
    enabled: true
http:
  addr: 127.0.0.1:{port}
"""
CHALLENGE = re.compile(r'(\w+)="([^"]*)"')


class RegistryError(Exception):
    """A registry that cannot be started, reached or read; the message says why."""


def available() -> str | None:
    """The registry program's path, or None when Debian's `docker-registry` is not installed."""
    return shutil.which(BINARY)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _die_with_parent() -> None:  # pragma: no cover - runs in the child
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


@dataclass
class LocalRegistry:
    """A registry of one's own for a run: `with LocalRegistry() as registry: registry.host`."""

    startup: float = 15.0
    host: str = ""  # 127.0.0.1:<port> once started
    folder: Path | None = None
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    def __enter__(self) -> LocalRegistry:
        program = available()
        if program is None:
            raise RegistryError(f"`{BINARY}` is not installed (apt-get install {BINARY})")
        self.folder = Path(tempfile.mkdtemp(prefix="grader-registry-"))
        try:
            for _ in range(3):  # a port taken between the probe and the start: another one
                if self._start(program):
                    return self
            raise RegistryError(f"{BINARY} did not answer: {self._log()}")
        except BaseException:
            self.__exit__(None, None, None)
            raise

    def _start(self, program: str) -> bool:
        assert self.folder is not None
        port = _free_port()
        config = self.folder / "config.yml"
        config.write_text(CONFIG.format(root=self.folder / "data", port=port), encoding="utf-8")
        with (self.folder / "registry.log").open("wb") as log:
            self.process = subprocess.Popen(
                [program, "serve", str(config)],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                preexec_fn=_die_with_parent,
            )
        self.host = f"127.0.0.1:{port}"
        deadline = time.monotonic() + self.startup
        while time.monotonic() < deadline and self.process.poll() is None:
            with contextlib.suppress(requests.RequestException):
                if requests.get(f"http://{self.host}/v2/", timeout=1).status_code == 200:
                    return True
            time.sleep(0.1)
        self._stop()
        return False

    def _log(self) -> str:
        log = self.folder / "registry.log" if self.folder else None
        text = log.read_text(encoding="utf-8", errors="replace") if log and log.is_file() else ""
        return text.strip()[-500:] or "no output"

    def _stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self.process = None

    def __exit__(self, *_: object) -> None:
        self._stop()
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None

    def client(self) -> RegistryClient:
        return RegistryClient(self.host)


@dataclass(frozen=True)
class Manifest:
    digest: str  # the manifest's digest: what `repo@sha256:…` names
    config: str  # the image configuration's digest: the image ID the engine shows
    layers: list[str]


@dataclass
class RegistryClient:
    """The HTTP API v2 of the registry at `host` (`127.0.0.1:5000`, `registry.gitlab.com`)."""

    host: str
    username: str | None = None
    password: str | None = None
    timeout: float = 10.0
    _tokens: dict[str, str] = field(default_factory=dict, repr=False)

    @property
    def base(self) -> str:
        plain = re.match(r"^(localhost|127\.\d+\.\d+\.\d+)(:\d+)?$", self.host)
        return f"{'http' if plain else 'https'}://{self.host}/v2"

    def tags(self, repository: str) -> list[str]:
        """The repository's tags; [] when the registry does not know it."""
        response = self._get(repository, f"/{repository}/tags/list")
        if response.status_code == 404:
            return []
        self._raise_for(response, repository)
        return sorted((response.json() or {}).get("tags") or [])

    def manifest(self, repository: str, reference: str) -> Manifest | None:
        """The image manifest of a tag or digest (an index: its first image); None if absent."""
        response = self._get(
            repository,
            f"/{repository}/manifests/{reference}",
            accept=f"{MANIFESTS}, {', '.join(LISTS)}",
        )
        if response.status_code == 404:
            return None
        self._raise_for(response, repository)
        data: dict[str, Any] = response.json()
        if data.get("mediaType") in LISTS or "manifests" in data:
            images = data.get("manifests") or []
            return self.manifest(repository, images[0]["digest"]) if images else None
        digest = response.headers.get("Docker-Content-Digest", "")
        layers = [str(layer.get("digest")) for layer in data.get("layers") or []]
        return Manifest(digest, str((data.get("config") or {}).get("digest", "")), layers)

    def has_blob(self, repository: str, digest: str) -> bool:
        response = self._get(repository, f"/{repository}/blobs/{digest}", method="HEAD")
        return bool(response.status_code == 200)

    def _get(self, repository: str, path: str, *, accept: str = "", method: str = "GET") -> Any:
        headers = {"Accept": accept} if accept else {}
        try:
            response = self._send(method, path, headers, repository)
            if response.status_code == 401:
                self._authenticate(response, repository)
                response = self._send(method, path, headers, repository)
        except requests.RequestException as error:
            raise RegistryError(f"{self.host}: {error}") from error
        return response

    def _send(self, method: str, path: str, headers: dict[str, str], repository: str) -> Any:
        token = self._tokens.get(repository)
        if token:
            headers = headers | {"Authorization": token}
        return requests.request(
            method, self.base + path, headers=headers, timeout=self.timeout, allow_redirects=True
        )

    def _authenticate(self, response: Any, repository: str) -> None:
        """Answer the registry's challenge: Basic with the credentials, or a Bearer token from
        the token service it names (GitLab: `…/jwt/auth`), for pulling `repository`."""
        challenge = response.headers.get("WWW-Authenticate", "")
        scheme = challenge.split(" ", 1)[0].lower()
        credentials = (self.username or "", self.password) if self.password else None
        if scheme == "basic" and credentials:
            self._tokens[repository] = requests.auth._basic_auth_str(*credentials)
            return
        if scheme != "bearer":
            raise RegistryError(f"{self.host}: authentication required ({challenge or '401'})")
        fields = dict(CHALLENGE.findall(challenge))
        params = {"service": fields.get("service", ""), "scope": f"repository:{repository}:pull"}
        answer = requests.get(
            fields.get("realm", ""), params=params, auth=credentials, timeout=self.timeout
        )
        if answer.status_code != 200:
            raise RegistryError(f"{self.host}: the token service refused ({answer.status_code})")
        body = answer.json()
        self._tokens[repository] = f"Bearer {body.get('token') or body.get('access_token')}"

    def _raise_for(self, response: Any, repository: str) -> None:
        if response.status_code >= 400:
            raise RegistryError(f"{self.host}/{repository}: HTTP {response.status_code}")
