"""A local stand-in for a GitLab server: recorded API responses (fixtures/gitlab) and real
git repositories served over git's dumb HTTP protocol, both behind a token."""

from __future__ import annotations

import base64
import contextlib
import json
import threading
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RECORDED = ROOT / "fixtures" / "gitlab"
GROUP = "course-2026/students"


class FakeGitLab:
    def __init__(self, token: str, repositories: dict[str, Path]) -> None:
        self.token = token
        self.repositories = repositories  # "course-2026/students/amartin.git" → bare repo
        self.requests: list[str] = []
        self.base = ""
        self.artifacts: dict[str, bytes] = {}  # API path of a job's artifacts → its zip

    def api(self, path: str) -> object | None:
        group = json.loads((RECORDED / "group.json").read_text().replace("{base}", self.base))
        if path in (f"/api/v4/groups/{urllib.parse.quote(GROUP, safe='')}", "/api/v4/groups/4242"):
            return group
        if path == "/api/v4/groups/4242/projects":
            recorded = json.loads(
                (RECORDED / "projects.json").read_text().replace("{base}", self.base)
            )
            return [*recorded, *self._unrecorded(recorded)]
        return None

    def _unrecorded(self, recorded: list[dict[str, object]]) -> list[dict[str, object]]:
        """The served repositories the recording does not list, shaped like its first entry."""
        known = {f"{p['path_with_namespace']}.git" for p in recorded}
        extra = []
        for k, name in enumerate(sorted(set(self.repositories) - known)):
            path = name.removesuffix(".git")
            extra.append(
                {
                    **recorded[0],
                    "id": 9000 + k,
                    "path": path.rsplit("/", 1)[-1],
                    "name": path.rsplit("/", 1)[-1],
                    "path_with_namespace": path,
                    "http_url_to_repo": f"{self.base}/{name}",
                }
            )
        return extra

    def git_file(self, path: str) -> Path | None:
        for name, repo in self.repositories.items():
            prefix = f"/{name}/"
            if path.startswith(prefix):
                target = (repo / path[len(prefix) :]).resolve()
                if target.is_relative_to(repo.resolve()) and target.is_file():
                    return target
        return None


def handler(server: FakeGitLab) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            path = urllib.parse.urlsplit(self.path).path
            server.requests.append(path)
            if path.startswith("/api/v4/"):
                if self.headers.get("PRIVATE-TOKEN") != server.token:
                    return self._send(401, b'{"message":"401 Unauthorized"}', "application/json")
                if path in server.artifacts:
                    return self._send(200, server.artifacts[path], "application/zip")
                data = server.api(path)
                if data is None:
                    return self._send(404, b'{"message":"404 Group Not Found"}', "application/json")
                return self._send(200, json.dumps(data).encode(), "application/json")
            expected = "Basic " + base64.b64encode(f"oauth2:{server.token}".encode()).decode()
            if self.headers.get("Authorization") != expected:
                self.send_response(401)
                self.send_header("WWW-Authenticate", 'Basic realm="GitLab"')
                self.send_header("Content-Length", "0")
                self.end_headers()
                return None
            found = server.git_file(path)
            if found is None:
                return self._send(404, b"not found", "text/plain")
            return self._send(200, found.read_bytes(), "application/octet-stream")

        def _send(self, code: int, body: bytes, kind: str) -> None:
            self.send_response(code)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler


@contextlib.contextmanager
def serving(fake: FakeGitLab, host: str = "127.0.0.1") -> Iterator[FakeGitLab]:
    """`host`: loopback, or the docker0 address for jobs running in containers."""
    httpd = ThreadingHTTPServer((host, 0), handler(fake))
    fake.base = f"http://{host}:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        httpd.shutdown()
        httpd.server_close()
