"""The offline ingress-nginx stand-in: `render` on objects shaped as the API returns them,
status and IngressClass through a fake kubectl, and the real Debian nginx serving a rendered
configuration to real local backends (and the daemon itself, on a fake kubectl)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grader.k8s import ingress_standin as standin

ROOT = Path(__file__).resolve().parent.parent
STATE = "/var/lib/grader-ingress"
HAS_NGINX = Path(standin.NGINX).exists()
needs_nginx = pytest.mark.skipif(
    not HAS_NGINX, reason="Debian's nginx (nginx-light) is not installed"
)
HOSTILE_PATH = "/x; } server { listen 9999; } location /y {"


# ---------------------------------------------------------------- objects as the API gives them


def backend(service: str, port: int | str) -> dict[str, Any]:
    key = "number" if isinstance(port, int) else "name"
    return {"service": {"name": service, "port": {key: port}}}


def path(where: str | None, service: str, port: int | str, kind: str = "Prefix") -> dict[str, Any]:
    entry: dict[str, Any] = {"pathType": kind, "backend": backend(service, port)}
    if where is not None:
        entry["path"] = where
    return entry


def rule(host: str | None, *paths: dict[str, Any]) -> dict[str, Any]:
    entry: dict[str, Any] = {"http": {"paths": list(paths)}}
    if host is not None:
        entry["host"] = host
    return entry


def ingress(
    name: str,
    *rules: dict[str, Any],
    namespace: str = "default",
    ingress_class: str | None = "nginx",
    annotations: dict[str, str] | None = None,
    default_backend: dict[str, Any] | None = None,
    created: str = "2026-01-01T00:00:00Z",
) -> dict[str, Any]:
    spec: dict[str, Any] = {}
    if ingress_class is not None:
        spec["ingressClassName"] = ingress_class
    if rules:
        spec["rules"] = list(rules)
    if default_backend is not None:
        spec["defaultBackend"] = default_backend
    metadata: dict[str, Any] = {
        "name": name,
        "namespace": namespace,
        "creationTimestamp": created,
        "uid": f"uid-{name}",
    }
    if annotations:
        metadata["annotations"] = annotations
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": metadata,
        "spec": spec,
        "status": {"loadBalancer": {}},
    }


def service(
    name: str, cluster_ip: str, ports: dict[str, int], namespace: str = "default"
) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "clusterIP": cluster_ip,
            "type": "ClusterIP",
            "ports": [
                {"name": n, "port": p, "protocol": "TCP", "targetPort": p} for n, p in ports.items()
            ],
        },
    }


def conf(ingresses: Sequence[dict[str, Any]], services: Sequence[dict[str, Any]], **kw: Any) -> str:
    return standin.render(ingresses, services, listen="127.0.0.80:80", state_dir=STATE, **kw)


def servers(config: str) -> dict[str, dict[str, str]]:
    """server_name → location match → `proxy IP:PORT` / `503` / `404`, read back from a config."""
    found: dict[str, dict[str, str]] = {}
    current: dict[str, str] = {}
    match = ""
    for line in (text.strip() for text in config.splitlines()):
        if line.startswith("server_name "):
            current = found.setdefault(line.removeprefix("server_name ").rstrip(";"), {})
        elif line.startswith("location "):
            match = line.removeprefix("location ").split(" {")[0]
        elif line.startswith("proxy_pass http://"):
            current[match] = "proxy " + line.removeprefix("proxy_pass http://").rstrip(";")
        elif line.startswith("return "):
            current[match] = line.removeprefix("return ").rstrip(";")
    return found


WEB = service("web", "10.96.0.10", {"http": 80, "admin": 8080})
API = service("api", "10.96.0.11", {"grpc": 9000})


# ---------------------------------------------------------------- render


def test_host_rule_gets_its_own_server_and_the_default_server_404s() -> None:
    config = conf([ingress("web", rule("nginx.local", path("/", "web", 80)))], [WEB])
    assert servers(config) == {"_": {"/": "404"}, "nginx.local": {"/": "proxy 10.96.0.10:80"}}
    assert "listen 127.0.0.80:80 default_server;" in config
    assert "listen 127.0.0.80:80;" in config
    assert "daemon" not in config  # nginx daemonises itself, its pid file in the state folder
    assert f"pid {STATE}/nginx.pid;" in config
    assert f"error_log {STATE}/error.log" in config
    assert "proxy_set_header Host $host;" in config
    assert "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;" in config
    assert "proxy_set_header X-Real-IP $remote_addr;" in config


def test_hostless_rules_go_to_the_default_server() -> None:
    config = conf([ingress("web", rule(None, path("/app", "web", "http")))], [WEB])
    assert servers(config) == {
        "_": {"= /app": "proxy 10.96.0.10:80", "/app/": "proxy 10.96.0.10:80", "/": "404"}
    }


def test_prefix_matches_by_element_exact_only_exactly() -> None:
    config = conf(
        [
            ingress(
                "web",
                rule(
                    "a.test",
                    path("/foo", "web", 80),
                    path("/bar", "web", 8080, "Exact"),
                    path("/baz/", "web", 80, "ImplementationSpecific"),
                ),
            )
        ],
        [WEB],
    )
    assert servers(config)["a.test"] == {
        "= /bar": "proxy 10.96.0.10:8080",
        "= /baz": "proxy 10.96.0.10:80",
        "/baz/": "proxy 10.96.0.10:80",  # a Prefix path's trailing slash does not count
        "= /foo": "proxy 10.96.0.10:80",
        "/foo/": "proxy 10.96.0.10:80",
        "/": "404",
    }


def test_omitted_path_is_slash_and_omitted_path_type_is_prefix() -> None:
    entry = {"backend": backend("web", 80)}
    config = conf([ingress("web", rule("a.test", entry))], [WEB])
    assert servers(config)["a.test"] == {"/": "proxy 10.96.0.10:80"}


def test_exact_wins_the_exact_location_over_a_prefix_of_the_same_path() -> None:
    config = conf(
        [
            ingress(
                "web", rule("a.test", path("/foo", "web", 80), path("/foo", "api", 9000, "Exact"))
            )
        ],
        [WEB, API],
    )
    assert servers(config)["a.test"] == {
        "= /foo": "proxy 10.96.0.11:9000",
        "/foo/": "proxy 10.96.0.10:80",
        "/": "404",
    }


def test_port_by_name_and_by_number() -> None:
    config = conf(
        [
            ingress(
                "web", rule("a.test", path("/n", "web", 8080), path("/m", "web", "admin", "Exact"))
            )
        ],
        [WEB],
    )
    locations = servers(config)["a.test"]
    assert locations["= /n"] == locations["= /m"] == "proxy 10.96.0.10:8080"


@pytest.mark.parametrize(
    ("wanted", "services"),
    [
        (backend("ghost", 80), [WEB]),  # no such Service
        (backend("web", 81), [WEB]),  # no such port number
        (backend("web", "nope"), [WEB]),  # no such port name
        (backend("web", 80), [service("web", "None", {"http": 80})]),  # headless
        (backend("web", 80), [service("web", "10.96.0.10", {"http": 80}, namespace="other")]),
        ({"resource": {"apiGroup": "x", "kind": "Bucket", "name": "b"}}, [WEB]),
    ],
)
def test_a_backend_that_cannot_be_reached_answers_503(
    wanted: dict[str, Any], services: list[dict[str, Any]]
) -> None:
    entry = {"path": "/", "pathType": "Prefix", "backend": wanted}
    config = conf([ingress("web", rule("a.test", entry))], services)
    assert servers(config)["a.test"] == {"/": "503"}


def test_backends_resolve_in_the_ingress_namespace() -> None:
    services = [
        service("web", "10.0.0.1", {"http": 80}, "shop"),
        service("web", "10.0.0.2", {"http": 80}, "blog"),
    ]
    config = conf(
        [
            ingress("a", rule("shop.test", path("/", "web", 80)), namespace="shop"),
            ingress("b", rule("blog.test", path("/", "web", 80)), namespace="blog"),
        ],
        services,
    )
    found = servers(config)
    assert found["shop.test"] == {"/": "proxy 10.0.0.1:80"}
    assert found["blog.test"] == {"/": "proxy 10.0.0.2:80"}


def test_default_backend_without_rules_is_the_catch_all() -> None:
    config = conf([ingress("catch", default_backend=backend("web", "http"))], [WEB])
    assert servers(config) == {"_": {"/": "proxy 10.96.0.10:80"}}


def test_default_backend_with_rules_catches_what_its_hosts_leave() -> None:
    config = conf(
        [
            ingress(
                "web",
                rule("a.test", path("/api", "api", 9000)),
                rule(None, path("/x", "api", 9000)),
                default_backend=backend("web", 80),
            )
        ],
        [WEB, API],
    )
    found = servers(config)
    assert found["a.test"]["/"] == "proxy 10.96.0.10:80"
    assert found["_"]["/"] == "404"  # as ingress-nginx: only a rule-less Ingress takes `_`


def test_a_rule_for_slash_beats_the_default_backend() -> None:
    config = conf(
        [
            ingress(
                "web", rule("a.test", path("/", "api", 9000)), default_backend=backend("web", 80)
            )
        ],
        [WEB, API],
    )
    assert servers(config)["a.test"] == {"/": "proxy 10.96.0.11:9000"}


def test_missing_default_backend_service_is_503() -> None:
    config = conf([ingress("catch", default_backend=backend("ghost", 80))], [WEB])
    assert servers(config) == {"_": {"/": "503"}}


@pytest.mark.parametrize(
    ("ingress_class", "annotations", "is_served"),
    [
        ("nginx", None, True),
        (None, None, True),  # no class at all
        ("traefik", None, False),
        (None, {"kubernetes.io/ingress.class": "nginx"}, True),
        (None, {"kubernetes.io/ingress.class": "traefik"}, False),
        ("nginx", {"kubernetes.io/ingress.class": "traefik"}, False),  # the annotation first
        (None, {"other": "x"}, True),
    ],
)
def test_class_filtering(
    ingress_class: str | None, annotations: dict[str, str] | None, is_served: bool
) -> None:
    obj = ingress(
        "web",
        rule("a.test", path("/", "web", 80)),
        ingress_class=ingress_class,
        annotations=annotations,
    )
    assert standin.serves(obj) is is_served
    assert ("a.test" in servers(conf([obj], [WEB]))) is is_served
    assert standin.served([obj]) == ([obj] if is_served else [])


def test_another_class_name_can_be_served() -> None:
    obj = ingress("web", rule("a.test", path("/", "web", 80)), ingress_class="course")
    assert "a.test" not in servers(conf([obj], [WEB]))
    assert "a.test" in servers(conf([obj], [WEB], ingress_class="course"))


def test_two_ingresses_merge_per_host_and_the_oldest_wins_a_conflict() -> None:
    older = ingress(
        "older",
        rule("a.test", path("/api", "api", 9000), path("/", "web", 80)),
        created="2026-01-01T00:00:00Z",
    )
    newer = ingress(
        "newer",
        rule("a.test", path("/api", "web", 80), path("/docs", "web", 8080)),
        rule("b.test", path("/", "api", 9000)),
        created="2026-02-01T00:00:00Z",
    )
    for order in ([older, newer], [newer, older]):
        found = servers(conf(order, [WEB, API]))
        assert found["a.test"] == {
            "/": "proxy 10.96.0.10:80",
            "= /api": "proxy 10.96.0.11:9000",
            "/api/": "proxy 10.96.0.11:9000",
            "= /docs": "proxy 10.96.0.10:8080",
            "/docs/": "proxy 10.96.0.10:8080",
        }
        assert found["b.test"] == {"/": "proxy 10.96.0.11:9000"}
    assert [standin._key(i) for i in standin.served([newer, older])] == [
        "default/older",
        "default/newer",
    ]


def test_wildcard_host_matches_one_label() -> None:
    config = conf([ingress("web", rule("*.apps.test", path("/", "web", 80)))], [WEB])
    assert r"server_name ~^[^.]+\.apps\.test$;" in config


def test_hostile_path_is_not_injected() -> None:
    obj = ingress("evil", rule("a.test", path(HOSTILE_PATH, "web", 80), path("/ok", "web", 80)))
    config = conf([obj], [WEB])
    assert "9999" not in config
    assert "/y" not in config
    assert config.count("server {") == 2
    assert servers(config)["a.test"] == {
        "= /ok": "proxy 10.96.0.10:80",
        "/ok/": "proxy 10.96.0.10:80",
        "/": "404",
    }
    assert "# skipped default/evil: a path with characters not allowed" in config


@pytest.mark.parametrize(
    "hostile",
    [
        {"host": "a.test; } server { listen 9999; } #"},
        {"host": "a.test\n}\nserver { listen 9999;"},
        {"host": "A.TEST"},
        {"host": "*.*.test"},
        {"host": "-a.test"},
        {"host": "_"},
        {"host": "a..test"},
        {"path": "/a b"},
        {"path": "/a'b"},
        {"path": '/a"b'},
        {"path": "/$host"},
        {"path": "/a\\b"},
        {"path": "/a{b}"},
        {"path": "/a\n}"},
        {"path": "/a#b"},
        {"path": "relative"},
        {"path": "~ ^/regex"},
        {"path": "/" + "a" * 2000},
        {"service": "web\n}\nserver { listen 9999; }"},
        {"namespace": "x\n}\nserver { listen 9999; }"},
        {"name": "x\r\n} listen 9999;"},
    ],
)
def test_hostile_input_is_skipped(hostile: dict[str, str]) -> None:
    name = hostile.get("service", "web")
    entry = path(hostile.get("path", "/"), name, 80)
    obj = ingress(
        hostile.get("name", "evil"),
        rule(hostile.get("host", "a.test"), entry),
        namespace=hostile.get("namespace", "default"),
    )
    svc = service(name, "10.96.0.10", {"http": 80}, namespace=hostile.get("namespace", "default"))
    config = conf([obj], [svc])
    code = "\n".join(line.split("#")[0] for line in config.splitlines())  # comments are inert
    assert "9999" not in code
    assert "$host" not in config.replace("proxy_set_header Host $host;", "").replace(
        "proxy_set_header X-Forwarded-Host $host;", ""
    )
    assert config.count("{") == config.count("}")
    assert config.count("server {") <= 2
    for line in config.splitlines():  # every line is one the renderer writes
        text = line.strip()
        assert text.startswith(
            (
                "#",
                "server",
                "listen",
                "location",
                "proxy_",
                "return",
                "}",
                "pid",
                "error_log",
                "access_log",
                "worker_",
                "events",
                "http {",
                "client_body",
                "fastcgi",
                "uwsgi",
                "scgi",
            )
        ), line


@pytest.mark.parametrize(
    "junk",
    [
        {"spec": []},
        {"spec": {"rules": "nope"}},
        {
            "spec": {
                "rules": [None, 3, "x", {"host": 7, "http": []}, {"http": {"paths": [None, {}]}}]
            }
        },
        {"spec": {"rules": [{"http": {"paths": [{"path": 5, "backend": {"service": []}}]}}]}},
        {
            "spec": {
                "rules": [
                    {
                        "http": {
                            "paths": [
                                {"backend": {"service": {"name": "web", "port": {"number": True}}}}
                            ]
                        }
                    }
                ]
            }
        },
        {"spec": {"defaultBackend": "web"}},
        {"metadata": None},
        {"metadata": {"annotations": ["x"]}},
    ],
)
def test_odd_objects_never_raise(junk: dict[str, Any]) -> None:
    obj = {"kind": "Ingress", "metadata": {"name": "odd", "namespace": "default"}} | junk
    config = conf([obj, "not an object", None], [WEB, 42, {"metadata": {"name": 3}}])  # type: ignore[list-item]
    assert "server_name _;" in config


JSON = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-3, 70000),
        st.sampled_from(
            [
                "/",
                "/foo",
                "web",
                "http",
                "a.test",
                "Exact",
                "Prefix",
                "None",
                "10.96.0.10",
                HOSTILE_PATH,
                "*.x.test",
                "nginx",
            ]
        ),
        st.text(max_size=8),
    ),
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(
            st.sampled_from(
                [
                    "spec",
                    "rules",
                    "host",
                    "http",
                    "paths",
                    "path",
                    "pathType",
                    "backend",
                    "service",
                    "name",
                    "port",
                    "number",
                    "defaultBackend",
                    "metadata",
                    "namespace",
                    "ingressClassName",
                    "annotations",
                    "clusterIP",
                    "ports",
                ]
            ),
            children,
            max_size=5,
        ),
    ),
    max_leaves=30,
)


@settings(
    max_examples=200, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(ingresses=st.lists(JSON, max_size=3), services=st.lists(JSON, max_size=3))
def test_render_never_raises_and_never_lets_input_through(
    ingresses: list[Any], services: list[Any]
) -> None:
    config = conf(ingresses, [WEB, *services])
    assert "9999" not in "\n".join(line.split("#")[0] for line in config.splitlines())
    assert config.count("{") == config.count("}")


@pytest.mark.parametrize(
    "listen", ["80", "localhost:80", "127.0.0.1:0", "127.0.0.1:80; x", "1.2.3.4:99999"]
)
def test_operator_listen_is_checked(listen: str) -> None:
    with pytest.raises(ValueError):
        standin.render([], [], listen=listen, state_dir=STATE)


def test_operator_state_dir_is_checked() -> None:
    with pytest.raises(ValueError):
        standin.render([], [], listen="127.0.0.1:80", state_dir="/tmp/a b;")
    with pytest.raises(ValueError):
        standin.render([], [], listen="127.0.0.1:80", state_dir="relative")


def test_ipv6_listen() -> None:
    assert standin.parse_listen("[::1]:8080") == ("::1", 8080)
    config = standin.render([], [], listen="[::1]:8080", state_dir=STATE)
    assert "listen [::1]:8080 default_server;" in config


# ---------------------------------------------------------------- status and class, fake kubectl


class FakeKubectl:
    """Records argv; answers from a table of (argv prefix → (rc, stdout, stderr))."""

    def __init__(self, answers: dict[tuple[str, ...], tuple[int, str, str]]) -> None:
        self.answers = answers
        self.calls: list[tuple[list[str], str | None]] = []

    def __call__(self, argv: Sequence[str], stdin: str | None) -> subprocess.CompletedProcess[str]:
        self.calls.append((list(argv), stdin))
        args = tuple(argv[3:])  # after kubectl --kubeconfig K
        for prefix, (rc, out, err) in self.answers.items():
            if args[: len(prefix)] == prefix:
                return subprocess.CompletedProcess(list(argv), rc, out, err)
        return subprocess.CompletedProcess(list(argv), 0, "", "")


def test_publish_status_patches_the_status_subresource() -> None:
    fake = FakeKubectl({})
    obj = ingress("web", rule("a.test", path("/", "web", 80)), namespace="shop")
    assert standin.publish_status(standin.Kubectl("/k/config", fake), obj, "127.0.0.80")
    argv, _ = fake.calls[0]
    assert argv[:9] == [
        "kubectl",
        "--kubeconfig",
        "/k/config",
        "patch",
        "ingresses.v1.networking.k8s.io",
        "web",
        "-n",
        "shop",
        "--subresource=status",
    ]
    assert json.loads(argv[-1]) == {"status": {"loadBalancer": {"ingress": [{"ip": "127.0.0.80"}]}}}
    assert "--type=merge" in argv


def test_needs_status_until_it_says_the_address() -> None:
    obj = ingress("web")
    assert standin.needs_status(obj, "127.0.0.80")
    obj["status"] = {"loadBalancer": {"ingress": [{"ip": "127.0.0.80"}]}}
    assert not standin.needs_status(obj, "127.0.0.80")
    assert standin.needs_status(obj, "127.0.0.81")


def test_ingress_class_is_created_when_missing_and_only_then() -> None:
    missing = FakeKubectl(
        {
            ("get", "ingressclasses.v1.networking.k8s.io"): (
                1,
                "",
                'Error from server (NotFound): ingressclasses "nginx" not found',
            )
        }
    )
    assert standin.ensure_ingress_class(standin.Kubectl("k", missing))
    argv, stdin = missing.calls[1]
    assert argv[3:] == ["create", "-f", "-"]
    manifest = json.loads(stdin or "")
    assert manifest == {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "IngressClass",
        "metadata": {
            "name": "nginx",
            "annotations": {"ingressclass.kubernetes.io/is-default-class": "true"},
        },
        "spec": {"controller": "grader.invalid/ingress-standin"},
    }
    present = FakeKubectl({})
    assert standin.ensure_ingress_class(standin.Kubectl("k", present))
    assert len(present.calls) == 1
    unreachable = FakeKubectl({("get",): (1, "", "The connection to the server was refused")})
    assert not standin.ensure_ingress_class(standin.Kubectl("k", unreachable))
    assert len(unreachable.calls) == 1


def test_read_objects_splits_the_list() -> None:
    listing = {"kind": "List", "items": [ingress("web"), WEB, "junk"]}
    fake = FakeKubectl(
        {("get", "ingresses.v1.networking.k8s.io,services"): (0, json.dumps(listing), "")}
    )
    ingresses, services = standin.read_objects(standin.Kubectl("k", fake))
    assert [i["metadata"]["name"] for i in ingresses] == ["web"]
    assert [s["metadata"]["name"] for s in services] == ["web"]
    with pytest.raises(RuntimeError):
        standin.read_objects(standin.Kubectl("k", FakeKubectl({("get",): (1, "", "refused")})))


# ---------------------------------------------------------------- the real nginx


class _Echo(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = json.dumps(
            {
                "backend": self.server.name,
                "path": self.path,  # type: ignore[attr-defined]
                "host": self.headers.get("Host"),
                "xff": self.headers.get("X-Forwarded-For"),
                "real_ip": self.headers.get("X-Real-IP"),
            }
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def backends() -> Iterator[dict[str, int]]:
    """Two real HTTP servers on 127.0.0.1: name → port."""
    started: dict[str, ThreadingHTTPServer] = {}
    try:
        for name in ("alpha", "beta"):
            server = ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
            server.name = name  # type: ignore[attr-defined]
            threading.Thread(target=server.serve_forever, daemon=True).start()
            started[name] = server
        yield {name: server.server_address[1] for name, server in started.items()}
    finally:
        for server in started.values():
            server.shutdown()
            server.server_close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def state_dir(tmp_path: Path) -> Iterator[Path]:
    """A state folder whose nginx is stopped (and killed if need be) at the end."""
    state = tmp_path / "state"
    state.mkdir()
    try:
        yield state
    finally:
        standin.stop_nginx(state, timeout=5)
        pid = standin.nginx_pid(state)
        if pid is not None:
            os.kill(pid, signal.SIGKILL)


OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def get(port: int, host: str, where: str) -> tuple[int, dict[str, Any] | None]:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{where}", headers={"Host": host})
    try:
        with OPENER.open(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, None


def eventually(check: Any, timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        try:
            return check()
        except (AssertionError, OSError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def live_objects(ports: dict[str, int]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    services = [
        service("alpha", "127.0.0.1", {"http": ports["alpha"]}, "shop"),
        service("beta", "127.0.0.1", {"web": ports["beta"]}, "shop"),
        service("headless", "None", {"http": 80}, "shop"),
    ]
    main = ingress(
        "shop",
        rule(
            "alpha.test",
            path("/foo", "alpha", "http"),
            path("/exact", "beta", ports["beta"], "Exact"),
            path("/missing", "ghost", 80),
            path("/headless", "headless", 80),
        ),
        rule("beta.test", path("/", "beta", "web")),
        rule("*.wild.test", path("/", "alpha", ports["alpha"])),
        rule("evil.test", path(HOSTILE_PATH, "alpha", "http")),
        namespace="shop",
    )
    other = ingress(
        "other",
        rule("other.test", path("/", "alpha", "http")),
        namespace="shop",
        ingress_class="traefik",
    )
    return [main, other], services


@needs_nginx
def test_real_nginx_routes_as_ingress_nginx_does(backends: dict[str, int], state_dir: Path) -> None:
    port = free_port()
    ingresses, services = live_objects(backends)
    config = standin.render(ingresses, services, listen=f"127.0.0.1:{port}", state_dir=state_dir)
    assert standin.apply_config(state_dir, config)
    assert standin.nginx_pid(state_dir) is not None

    status, body = eventually(lambda: get(port, "alpha.test", "/foo"))
    assert status == 200 and body is not None
    assert body["backend"] == "alpha" and body["host"] == "alpha.test" and body["path"] == "/foo"
    assert body["xff"] == "127.0.0.1" and body["real_ip"] == "127.0.0.1"
    assert get(port, "alpha.test", "/foo/bar?q=1")[1] == {**body, "path": "/foo/bar?q=1"}
    assert get(port, "ALPHA.test:80", "/foo/")[0] == 200  # host names match case-blind
    assert get(port, "alpha.test", "/foobar") == (404, None)  # Prefix goes by path element
    assert get(port, "alpha.test", "/") == (404, None)
    # Exact matches only exactly
    assert (get(port, "alpha.test", "/exact")[1] or {}).get("backend") == "beta"
    assert get(port, "alpha.test", "/exact/") == (404, None)
    assert get(port, "alpha.test", "/exactly") == (404, None)
    # a Service or port that is not there, a headless Service: 503
    assert get(port, "alpha.test", "/missing") == (503, None)
    assert get(port, "alpha.test", "/missing/x") == (503, None)
    assert get(port, "alpha.test", "/headless") == (503, None)
    # the right host reaches the right backend
    assert (get(port, "beta.test", "/anything")[1] or {}).get("backend") == "beta"
    assert (get(port, "x.wild.test", "/")[1] or {}).get("backend") == "alpha"
    assert get(port, "x.y.wild.test", "/") == (404, None)  # a wildcard is one label
    # an unknown host, another class's host, the hostile path: nothing
    assert get(port, "nowhere.test", "/") == (404, None)
    assert get(port, "other.test", "/") == (404, None)
    assert get(port, "evil.test", "/x;") == (404, None)
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", 9999), timeout=1):
        pass

    # a new object: the configuration is reloaded, the default backend takes the rest
    catch_all = ingress("catch", namespace="shop", default_backend=backend("beta", "web"))
    pid = standin.nginx_pid(state_dir)
    config = standin.render(
        [*ingresses, catch_all], services, listen=f"127.0.0.1:{port}", state_dir=state_dir
    )
    assert standin.apply_config(state_dir, config)
    assert standin.nginx_pid(state_dir) == pid  # reloaded, not restarted

    def caught() -> None:
        assert (get(port, "nowhere.test", "/x")[1] or {}).get("backend") == "beta"

    eventually(caught)
    assert get(port, "alpha.test", "/foobar") == (404, None)  # a host's own 404 stays


@needs_nginx
def test_a_config_nginx_refuses_keeps_the_last_good_one(
    state_dir: Path, backends: dict[str, int]
) -> None:
    port = free_port()
    ingresses, services = live_objects(backends)
    good = standin.render(ingresses, services, listen=f"127.0.0.1:{port}", state_dir=state_dir)
    assert standin.apply_config(state_dir, good)
    assert not standin.apply_config(
        state_dir, good.replace("worker_processes 1;", "worker_processes x;")
    )
    assert (state_dir / "nginx.conf").read_text() == good
    assert eventually(lambda: get(port, "beta.test", "/"))[0] == 200


FAKE_KUBECTL = '''#!{python}
"""A kubectl for tests: objects from $FAKE_KUBE/objects.json, every call logged."""
import json, os, sys
from pathlib import Path
kube = Path(os.environ["FAKE_KUBE"])
args = sys.argv[1:]
with open(kube / "calls.jsonl", "a") as log:
    log.write(json.dumps({{"argv": args}}) + "\\n")
args = args[2:]  # --kubeconfig K
if args[:2] == ["get", "ingressclasses.v1.networking.k8s.io"]:
    if (kube / "class.json").exists():
        print("ingressclass.networking.k8s.io/nginx")
        sys.exit(0)
    print('Error from server (NotFound): ingressclasses.networking.k8s.io "nginx" not found', file=sys.stderr)
    sys.exit(1)
if args[:3] == ["create", "-f", "-"]:
    (kube / "class.json").write_text(sys.stdin.read())
    sys.exit(0)
if args[:2] == ["get", "ingresses.v1.networking.k8s.io,services"]:
    print((kube / "objects.json").read_text())
    sys.exit(0)
if args[:1] == ["patch"]:
    sys.exit(0)
sys.exit(3)
'''


@needs_nginx
def test_the_daemon_serves_publishes_and_stops_on_sigterm(
    tmp_path: Path, backends: dict[str, int]
) -> None:
    kube, bin_dir, state = tmp_path / "kube", tmp_path / "bin", tmp_path / "state"
    kube.mkdir()
    bin_dir.mkdir()
    fake = bin_dir / "kubectl"
    fake.write_text(FAKE_KUBECTL.format(python=sys.executable))
    fake.chmod(0o755)
    ingresses, services = live_objects(backends)
    (kube / "objects.json").write_text(
        json.dumps({"kind": "List", "items": [*ingresses, *services]})
    )
    port = free_port()
    env = os.environ | {"FAKE_KUBE": str(kube), "PATH": f"{bin_dir}:{os.environ['PATH']}"}
    daemon = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "grader.k8s.ingress_standin",
            "--kubeconfig",
            str(kube / "config"),
            "--listen",
            f"127.0.0.1:{port}",
            "--state-dir",
            str(state),
            "--interval",
            "0.2",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert eventually(lambda: get(port, "beta.test", "/"))[0] == 200
        assert get(port, "alpha.test", "/foobar") == (404, None)
        class_manifest = json.loads((kube / "class.json").read_text())
        assert class_manifest["spec"]["controller"] == "grader.invalid/ingress-standin"

        def patched() -> list[list[str]]:
            calls = [
                json.loads(line)["argv"] for line in (kube / "calls.jsonl").read_text().splitlines()
            ]
            patches = [argv for argv in calls if argv[2:3] == ["patch"]]
            assert patches
            return patches

        patches = eventually(patched)
        assert {tuple(argv[3:7]) for argv in patches} == {
            ("ingresses.v1.networking.k8s.io", "shop", "-n", "shop")
        }
        assert json.loads(patches[0][-1]) == {
            "status": {"loadBalancer": {"ingress": [{"ip": "127.0.0.1"}]}}
        }
        pid = standin.nginx_pid(state)
        assert pid is not None
        daemon.send_signal(signal.SIGTERM)
        output, _ = daemon.communicate(timeout=20)
        assert daemon.returncode == 0, output
        assert "Traceback" not in output
        assert standin.nginx_pid(state) is None  # nginx removes its pid file as it exits
    finally:
        if daemon.poll() is None:
            daemon.kill()
            daemon.wait()
        standin.stop_nginx(state, timeout=5)
        leftover = standin.nginx_pid(state)
        if leftover is not None:
            os.kill(leftover, signal.SIGKILL)
