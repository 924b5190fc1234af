"""An HTTP probe with retries and a deadline, for servers that are still starting."""

from __future__ import annotations

import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field

from grader.containers.docker_host import engine_host

BODY_CAP = 1_000_000


@dataclass
class HttpResponse:
    url: str
    status: int | None  # None: nothing answered before the deadline
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    error: str | None = None

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


def probe(
    url: str, *, deadline: float = 15.0, interval: float = 0.2, host: str | None = None
) -> HttpResponse:
    """GET `url`, retrying connection failures until `deadline` seconds have passed.

    Any HTTP answer (even 404 or 500) ends the retries: the server is up and said something.
    `host` sets the Host header (to reach a virtual host behind an Ingress controller).
    """
    request = urllib.request.Request(url, headers={"Host": host} if host else {})
    stop = time.monotonic() + deadline
    last_error = "no attempt"
    while True:
        try:
            with urllib.request.urlopen(request, timeout=min(5.0, deadline)) as response:
                return HttpResponse(
                    url, response.status, response.read(BODY_CAP), dict(response.headers)
                )
        except urllib.error.HTTPError as error:
            return HttpResponse(url, error.code, error.read(BODY_CAP), dict(error.headers))
        except (urllib.error.URLError, OSError) as error:
            last_error = str(getattr(error, "reason", error))
        if time.monotonic() >= stop:
            return HttpResponse(url, None, error=last_error)
        time.sleep(interval)


def published_url(port: int | str, path: str = "/") -> str:
    return f"http://{engine_host()}:{port}{path}"
