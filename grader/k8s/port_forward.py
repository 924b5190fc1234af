"""`kubectl port-forward pod/<name> <port>` for the live checks: one HTTP request to a pod's
port through the API server, as the course tests a pod's reachability (seed 004 « Tester
l'accessibilité d'un pod »), with no Service and no port opened on the machine.

The official client's `kubernetes.stream.portforward` (the API server's websocket port-forward
protocol) carries the bytes; the request is plain HTTP/1.0, read to the end. Never raises: what
went wrong is in `HttpResponse.error`.

On the grader's own single-node cluster, whose kubelet has no address the API server can dial
(its node IP is loopback, which the kubelet refuses to publish), the API server cannot proxy a
port-forward to the node; the node is this machine, so `reach` then asks the pod's own address
from here — the same pod, the same port — and says so (`OWN_NODE_NOTE`, shown in the report).
"""

from __future__ import annotations

import time
from typing import Any

from grader.containers.http import BODY_CAP, HttpResponse, probe
from grader.k8s.cluster import Cluster

CHUNK = 65536
# What the API server answers when it cannot dial the pod's node (its kubelet).
NODE_UNREACHABLE = ("no preferred addresses", "error dialing backend")
OWN_NODE_NOTE = (
    "the grader's own cluster cannot proxy to its node: the pod's address asked from the node"
)


def reach(
    cluster: Cluster, api: Any, pod: Any, port: int, path: str = "/", *, seconds: float = 10.0
) -> tuple[HttpResponse, str | None]:
    """GET `path` on a pod (a `V1Pod`) through a port-forward; on the grader's own cluster,
    whose API server cannot dial its node, from the node itself. (answer, note when so)."""
    namespace, name = pod.metadata.namespace, pod.metadata.name
    answer = http_get(api, namespace, name, port, path, seconds=seconds)
    unreachable = any(text in (answer.error or "") for text in NODE_UNREACHABLE)
    if answer.status is not None or not (unreachable and cluster.own_node and pod.status.pod_ip):
        return answer, None
    direct = probe(f"http://{pod.status.pod_ip}:{port}{path}", deadline=seconds)
    return direct, OWN_NODE_NOTE


def http_get(
    api: Any, namespace: str, pod: str, port: int, path: str = "/", *, seconds: float = 10.0
) -> HttpResponse:
    """GET `path` on the pod's `port` through a port-forward (as `kubectl port-forward`)."""
    url = f"http://localhost:{port}{path} (port-forward pod/{pod} {port})"
    try:
        raw = _exchange(api, namespace, pod, port, _request(path), seconds=seconds)
    except Exception as error:  # the API server, the websocket, the pod: said, never raised
        return HttpResponse(url, None, error=_said(error))
    if not raw:
        return HttpResponse(url, None, error="the connection closed without an answer")
    return parse(url, raw)


def _request(path: str) -> bytes:
    return f"GET {path} HTTP/1.0\r\nHost: localhost\r\nConnection: close\r\n\r\n".encode()


def _exchange(
    api: Any, namespace: str, pod: str, port: int, request: bytes, *, seconds: float
) -> bytes:
    from kubernetes import client
    from kubernetes.stream import portforward

    core = client.CoreV1Api(api)
    forward = portforward(
        core.connect_get_namespaced_pod_portforward, pod, namespace, ports=str(port)
    )
    try:
        sock = forward.socket(port)
        sock.settimeout(seconds)
        sock.sendall(request)
        data = _read_all(sock, stop=time.monotonic() + seconds)
        sock.close()
        problem = forward.error(port)
        if problem and not data:
            raise OSError(problem.strip())
        return data
    finally:
        forward.close()


def _read_all(sock: Any, *, stop: float) -> bytes:
    data = b""
    while len(data) < BODY_CAP and time.monotonic() < stop:
        try:
            chunk = sock.recv(CHUNK)
        except TimeoutError:
            break
        if not chunk:
            break
        data += chunk
    return data


def parse(url: str, raw: bytes) -> HttpResponse:
    """An HTTP/1.x answer as bytes → HttpResponse (status None when it is not HTTP)."""
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("iso-8859-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit():
        return HttpResponse(url, None, error=f"not an HTTP answer: {lines[0][:80]!r}")
    headers = dict(line.split(": ", 1) for line in lines[1:] if ": " in line)
    return HttpResponse(url, int(parts[1]), body[:BODY_CAP], headers)


def _said(error: Exception) -> str:
    text = str(getattr(error, "reason", "") or error).strip() or type(error).__name__
    return text.splitlines()[0][:300]
