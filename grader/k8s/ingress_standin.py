"""An offline stand-in for the ingress-nginx controller, driving Debian's own nginx.

Why: the cluster the live tier grades on has no image registry, so no ingress controller
image can be pulled, and exercise 4 (« exposer nginx via un Ingress ») checks that nginx
answers *through an Ingress*. This module plays the controller as a host process: it reads
the Ingress and Service objects with kubectl, renders an nginx.conf for them, runs Debian's
nginx (`/usr/sbin/nginx`, package nginx-light) on the address given, and writes each served
Ingress's `status.loadBalancer` as real controllers do.

It is a STAND-IN, implementing only what exercise 4 uses, with ingress-nginx's semantics for
that much (networking.k8s.io/v1 only):

- class: `spec.ingressClassName`, or the `kubernetes.io/ingress.class` annotation (which
  takes precedence, as in ingress-nginx), naming our class; an Ingress naming no class at
  all is served too (the IngressClass this daemon creates is the cluster's default one);
- rules: one nginx `server` per host (a wildcard `*.example.com` matches one DNS label, as
  Kubernetes says), hostless rules on the default server; Ingresses merge per host, the
  oldest one winning a conflict; backends resolve in the Ingress's own namespace;
- paths: `Prefix` (and `ImplementationSpecific`, taken as Prefix) matches by path element,
  `Exact` only exactly, the longest match wins; an omitted path is `/`;
- backends: `service.name` with `service.port.number` or `.name`, proxied to the Service's
  clusterIP (so kube-proxy picks the pod); a Service or port that does not exist, a
  headless Service, or a resource backend answers 503;
- `spec.defaultBackend`: as ingress-nginx, the catch-all (`/`) of the default server when
  the Ingress has no rules, else the `/` of the hosts that Ingress brings, where no rule
  covers `/`; anything else unmatched answers 404.

Not implemented: TLS, annotations (rewrite, auth, …), regex paths, ExternalName Services,
endpoints (a Service without ready pods gets nginx's 502 where ingress-nginx says 503),
clearing the status of an Ingress that stops being served, and networking.k8s.io/v1beta1.

Everything that comes from a student's object is validated before it reaches the config:
hosts must be DNS-1123 subdomains (or a wildcard of one), paths must match ingress-nginx's
strict path rule (`/` then letters, digits, `-._~/`); whatever fails is skipped, with at most
a comment made of checked characters. Run it as

    python -m grader.k8s.ingress_standin --kubeconfig K --listen 127.0.0.80:18480 --state-dir DIR
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import logging
import os
import re
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

log = logging.getLogger("grader.k8s.ingress_standin")

Obj = Mapping[str, Any]  # a Kubernetes object as `kubectl get -o json` gives it

NGINX = "/usr/sbin/nginx"
CONTROLLER = "grader.invalid/ingress-standin"
# How the report names it, beside the offline stand-in images.
DESCRIPTION = (
    "offline stand-in controller: Debian's nginx, implementing what the course's Ingress uses "
    "(host and hostless rules, Prefix/Exact paths, service port by number or name)"
)
CLASS_ANNOTATION = "kubernetes.io/ingress.class"
DEFAULT_CLASS_ANNOTATION = "ingressclass.kubernetes.io/is-default-class"
DEFAULT_SERVER = "_"
# Fully qualified: on a 1.20 server a bare `ingress` may resolve to extensions/v1beta1, whose
# backends are shaped otherwise (serviceName, servicePort).
INGRESSES = "ingresses.v1.networking.k8s.io"
INGRESS_CLASSES = "ingressclasses.v1.networking.k8s.io"

_LABEL = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_SUBDOMAIN = re.compile(rf"{_LABEL}(\.{_LABEL})*")
_PATH = re.compile(r"/[A-Za-z0-9._~/-]*")  # ingress-nginx's strict path validation
_STATE_DIR = re.compile(r"/[A-Za-z0-9._~/+@,:=-]*")  # written unquoted into the config
_COMMENT_UNSAFE = re.compile(r"[^ A-Za-z0-9._~/:@=,+*()?-]")
_TEMP_PATHS = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")


# ---------------------------------------------------------------- reading odd objects safely


def _mapping(value: object) -> Obj:
    return value if isinstance(value, Mapping) else {}


def _items(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _port_number(value: object) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 65536:
        return value
    return None


def _comment(text: str) -> str:
    """`text` made safe for an nginx comment: checked characters only, one line, short."""
    return _COMMENT_UNSAFE.sub("?", text)[:120]


def _key(obj: Obj) -> str:
    metadata = _mapping(obj.get("metadata"))
    namespace = _text(metadata.get("namespace")) or "default"
    return _comment(f"{namespace}/{_text(metadata.get('name')) or '?'}")


# ---------------------------------------------------------------- validation


def valid_host(host: str) -> bool:
    """A DNS-1123 subdomain, or `*.` and one (what the Ingress API accepts as a rule host)."""
    name = host[2:] if host.startswith("*.") else host
    return len(host) <= 253 and _SUBDOMAIN.fullmatch(name) is not None


def valid_path(path: str) -> bool:
    """`/` then only letters, digits and `-._~/` (ingress-nginx's strict path rule)."""
    return len(path) <= 1024 and _PATH.fullmatch(path) is not None


def parse_listen(listen: str) -> tuple[str, int]:
    """`ADDRESS:PORT` (`[v6]:PORT` for IPv6) → (address, port); ValueError if it is not one."""
    address, sep, port_text = listen.rpartition(":")
    if address.startswith("[") and address.endswith("]"):
        address = address[1:-1]
    if not sep or not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise ValueError(f"--listen wants ADDRESS:PORT, not {listen!r}")
    ipaddress.ip_address(address)  # raises ValueError
    return address, int(port_text)


def _listen_directive(listen: str) -> str:
    address, port = parse_listen(listen)
    return f"[{address}]:{port}" if ":" in address else f"{address}:{port}"


def _check_state_dir(state_dir: str | Path) -> str:
    text = str(state_dir).rstrip("/") or "/"
    if _STATE_DIR.fullmatch(text) is None:
        raise ValueError(f"the state folder must be an absolute path of plain characters: {text!r}")
    return text


# ---------------------------------------------------------------- which Ingresses are ours


def serves(ingress: Obj, ingress_class: str = "nginx") -> bool:
    """Whether a controller of `ingress_class` serves this Ingress (annotation first)."""
    annotations = _mapping(_mapping(ingress.get("metadata")).get("annotations"))
    if CLASS_ANNOTATION in annotations:
        return annotations.get(CLASS_ANNOTATION) == ingress_class
    spec = _mapping(ingress.get("spec"))
    if spec.get("ingressClassName") is not None:
        return spec.get("ingressClassName") == ingress_class
    return True


def _age(obj: Obj) -> tuple[str, str]:
    metadata = _mapping(obj.get("metadata"))
    return _text(metadata.get("creationTimestamp")) or "", _key(obj)


def served(ingresses: Iterable[object], ingress_class: str = "nginx") -> list[Obj]:
    """The Ingresses this controller serves, oldest first (the order that settles conflicts)."""
    ours = [ing for ing in ingresses if isinstance(ing, Mapping) and serves(ing, ingress_class)]
    return sorted(ours, key=_age)


# ---------------------------------------------------------------- backends


@dataclass(frozen=True)
class Target:
    """Where a location sends requests: `upstream` (`IP:PORT`), or None for a 503."""

    upstream: str | None
    note: str


def _service_index(services: Iterable[object]) -> dict[tuple[str, str], Obj]:
    index: dict[tuple[str, str], Obj] = {}
    for service in services:
        if not isinstance(service, Mapping):
            continue
        metadata = _mapping(service.get("metadata"))
        name = _text(metadata.get("name"))
        if name:
            index[(_text(metadata.get("namespace")) or "default", name)] = service
    return index


def _service_port(service: Obj, wanted: Obj) -> int | None:
    number, name = _port_number(wanted.get("number")), _text(wanted.get("name"))
    for port in _items(_mapping(service.get("spec")).get("ports")):
        port = _mapping(port)
        if number is not None and _port_number(port.get("port")) == number:
            return number
        if name and _text(port.get("name")) == name:
            return _port_number(port.get("port"))
    return None


def resolve(backend: object, namespace: str, services: Mapping[tuple[str, str], Obj]) -> Target:
    """An Ingress backend → the Service's `clusterIP:port`, or a 503 target saying why."""
    wanted = _mapping(_mapping(backend).get("service"))
    name = _text(wanted.get("name")) or ""
    note = _comment(f"{namespace}/{name or '?'}")
    service = services.get((namespace, name))
    if service is None:
        return Target(None, f"{note}: no such Service")
    port = _service_port(service, _mapping(wanted.get("port")))
    if port is None:
        return Target(None, f"{note}: no such port")
    cluster_ip = _text(_mapping(service.get("spec")).get("clusterIP")) or ""
    try:
        address = ipaddress.ip_address(cluster_ip)
    except ValueError:
        return Target(None, f"{note}: no cluster IP (headless?)")
    host = f"[{address}]" if address.version == 6 else str(address)
    return Target(f"{host}:{port}", _comment(f"{note}:{port}"))


# ---------------------------------------------------------------- routes per host


@dataclass
class _Server:
    """The locations of one nginx server while they are gathered (oldest Ingress first)."""

    exact: dict[str, Target] = field(default_factory=dict)
    prefix: dict[str, Target] = field(default_factory=dict)
    fallback: Target | None = None  # for `/` when no rule covers it
    skipped: list[str] = field(default_factory=list)


def _normalised(path: str, path_type: str) -> tuple[str, bool]:
    """(path, exact?): a Prefix path ignores its trailing slash, as Kubernetes says."""
    if path_type == "Exact":
        return path, True
    return (path.rstrip("/") or "/"), False


def _add_paths(
    server: _Server, http: Obj, namespace: str, source: str, services: Mapping[tuple[str, str], Obj]
) -> None:
    for entry in _items(http.get("paths")):
        entry = _mapping(entry)
        path = _text(entry.get("path"))
        path = "/" if path is None or path == "" else path
        if not valid_path(path):
            server.skipped.append(f"{source}: a path with characters not allowed")
            continue
        path, exact = _normalised(path, _text(entry.get("pathType")) or "Prefix")
        table = server.exact if exact else server.prefix
        table.setdefault(path, resolve(entry.get("backend"), namespace, services))


def _gather(ingresses: Sequence[Obj], services: Iterable[object]) -> dict[str, _Server]:
    """Host (`_` for the default server) → its locations, from the served Ingresses."""
    index = _service_index(services)
    servers: dict[str, _Server] = {DEFAULT_SERVER: _Server()}
    for ingress in ingresses:
        source = _key(ingress)
        namespace = _text(_mapping(ingress.get("metadata")).get("namespace")) or "default"
        spec = _mapping(ingress.get("spec"))
        default = spec.get("defaultBackend")
        fallback = resolve(default, namespace, index) if default is not None else None
        rules = _items(spec.get("rules"))
        if fallback is not None and not rules and servers[DEFAULT_SERVER].fallback is None:
            servers[DEFAULT_SERVER].fallback = fallback
        for rule in rules:
            rule = _mapping(rule)
            host = rule.get("host") or DEFAULT_SERVER
            if host != DEFAULT_SERVER and not (isinstance(host, str) and valid_host(host)):
                servers[DEFAULT_SERVER].skipped.append(f"{source}: a host not allowed")
                continue
            if host not in servers:
                servers[host] = _Server(fallback=fallback)
            _add_paths(servers[host], _mapping(rule.get("http")), namespace, source, index)
    return servers


# ---------------------------------------------------------------- the nginx configuration


def _location(match: str, target: Target) -> list[str]:
    if target.upstream is None:
        return [
            f"        location {match} {{  # {target.note}",
            "            return 503;",
            "        }",
        ]
    return [
        f"        location {match} {{  # {target.note}",
        f"            proxy_pass http://{target.upstream};",
        "        }",
    ]


def _locations(server: _Server) -> list[str]:
    lines = [f"        # skipped {_comment(reason)}" for reason in server.skipped]
    for path in sorted(set(server.exact) | set(server.prefix)):
        if path in server.exact:  # Exact wins the `= path` location over a Prefix
            lines += _location(f"= {path}", server.exact[path])
        if path in server.prefix:
            prefix = server.prefix[path]
            if path == "/":
                lines += _location("/", prefix)
                continue
            if path not in server.exact:
                lines += _location(f"= {path}", prefix)
            lines += _location(f"{path}/", prefix)
    if "/" not in server.prefix:
        if server.fallback is not None:
            lines += _location("/", server.fallback)
        else:
            lines += [
                "        location / {  # no rule matches",
                "            return 404;",
                "        }",
            ]
    return lines


def _server_name(host: str) -> str:
    if host.startswith("*."):  # Kubernetes: a wildcard matches exactly one DNS label
        return "~^[^.]+" + host[1:].replace(".", "\\.") + "$"  # host is [a-z0-9.-] only
    return host


def _server(host: str, server: _Server, listen: str) -> list[str]:
    default = host == DEFAULT_SERVER
    return [
        "    server {",
        f"        listen {listen}{' default_server' if default else ''};",
        f"        server_name {_server_name(host)};",
        *_locations(server),
        "    }",
    ]


def _http_settings(state: str) -> list[str]:
    return [
        f"    access_log {state}/access.log;",
        *(f"    {kind}_temp_path {state}/tmp/{kind};" for kind in _TEMP_PATHS),
        "    server_names_hash_bucket_size 256;",
        "    server_names_hash_max_size 4096;",
        "    server_tokens off;",
        "    proxy_http_version 1.1;",
        '    proxy_set_header Connection "";',
        "    proxy_set_header Host $host;",
        "    proxy_set_header X-Real-IP $remote_addr;",
        "    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
        "    proxy_set_header X-Forwarded-Host $host;",
        "    proxy_set_header X-Forwarded-Proto $scheme;",
        "    proxy_connect_timeout 5s;",
    ]


def render(
    ingresses: Iterable[object],
    services: Iterable[object],
    *,
    listen: str,
    state_dir: str | Path,
    ingress_class: str = "nginx",
) -> str:
    """The complete nginx.conf serving the Ingresses of `ingress_class` (pure).

    `ingresses` and `services` are the `items` of `kubectl get ingress|svc -A -o json`
    (networking.k8s.io/v1 Ingresses).
    `listen` (ADDRESS:PORT) and `state_dir` (where pid, logs and temp files go) are the
    operator's and raise ValueError when malformed; the students' objects never raise.
    """
    directive, state = _listen_directive(listen), _check_state_dir(state_dir)
    servers = _gather(served(ingresses, ingress_class), services)
    hosts = [DEFAULT_SERVER, *sorted(host for host in servers if host != DEFAULT_SERVER)]
    lines = [
        "# Generated by grader.k8s.ingress_standin (an offline stand-in for ingress-nginx).",
        "worker_processes 1;",
        f"pid {state}/nginx.pid;",
        f"error_log {state}/error.log notice;",
        "events {",
        "    worker_connections 512;",
        "}",
        "http {",
        *_http_settings(state),
    ]
    for host in hosts:
        lines += _server(host, servers[host], directive)
    return "\n".join([*lines, "}", ""])


# ---------------------------------------------------------------- kubectl


Runner = Callable[[Sequence[str], str | None], subprocess.CompletedProcess[str]]


def _run(argv: Sequence[str], stdin: str | None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(argv), input=stdin, capture_output=True, text=True, timeout=30)


@dataclass(frozen=True)
class Kubectl:
    """kubectl against one cluster; `run` is replaceable for tests."""

    kubeconfig: str
    run: Runner = _run

    def __call__(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return self.run(["kubectl", "--kubeconfig", self.kubeconfig, *args], stdin)


def read_objects(kubectl: Kubectl) -> tuple[list[Obj], list[Obj]]:
    """(Ingresses, Services) of all namespaces, in one `kubectl get`; RuntimeError if it fails."""
    done = kubectl("get", f"{INGRESSES},services", "-A", "-o", "json", "--request-timeout=10s")
    if done.returncode != 0:
        raise RuntimeError(f"kubectl get failed: {done.stderr.strip()[:300]}")
    items = _items(_mapping(json.loads(done.stdout)).get("items"))
    objects = [item for item in items if isinstance(item, Mapping)]
    return (
        [item for item in objects if item.get("kind") == "Ingress"],
        [item for item in objects if item.get("kind") == "Service"],
    )


Reader = Callable[[], tuple[list[Obj], list[Obj]]]


def api_reader(kubeconfig: str) -> Reader:
    """(Ingresses, Services) read in-process through the API (a kubectl every round would
    cost the machine a process start each time, for as long as the cluster runs)."""
    from kubernetes import client, config

    api: Any = config.new_client_from_config(kubeconfig)  # type: ignore[no-untyped-call]
    networking, core = client.NetworkingV1Api(api), client.CoreV1Api(api)

    def as_json(listed: Any) -> list[Obj]:  # the API's own JSON shape (camelCase keys)
        found = api.sanitize_for_serialization(listed).get("items") or []
        return [item for item in found if isinstance(item, Mapping)]

    def read() -> tuple[list[Obj], list[Obj]]:
        return (
            as_json(networking.list_ingress_for_all_namespaces(_request_timeout=10)),
            as_json(core.list_service_for_all_namespaces(_request_timeout=10)),
        )

    return read


def ingress_class_manifest(name: str = "nginx") -> dict[str, Any]:
    """The IngressClass this stand-in answers to, marked as the cluster's default."""
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "IngressClass",
        "metadata": {"name": name, "annotations": {DEFAULT_CLASS_ANNOTATION: "true"}},
        "spec": {"controller": CONTROLLER},
    }


def ensure_ingress_class(kubectl: Kubectl, name: str = "nginx") -> bool:
    """Create the IngressClass if it is missing; True once it exists."""
    found = kubectl("get", INGRESS_CLASSES, name, "-o", "name", "--request-timeout=10s")
    if found.returncode == 0:
        return True
    if "NotFound" not in found.stderr and "not found" not in found.stderr:
        log.warning("cannot read IngressClass %s: %s", name, found.stderr.strip()[:300])
        return False
    created = kubectl("create", "-f", "-", stdin=json.dumps(ingress_class_manifest(name)))
    if created.returncode != 0 and "AlreadyExists" not in created.stderr:
        log.warning("cannot create IngressClass %s: %s", name, created.stderr.strip()[:300])
        return False
    log.info("IngressClass %s is there (controller %s)", name, CONTROLLER)
    return True


def status_patch(ip: str) -> dict[str, Any]:
    """The merge patch of an Ingress's status saying it is served at `ip`."""
    return {"status": {"loadBalancer": {"ingress": [{"ip": ip}]}}}


def needs_status(ingress: Obj, ip: str) -> bool:
    """Whether the Ingress's status does not say yet that it is served at `ip`."""
    balancer = _mapping(_mapping(ingress.get("status")).get("loadBalancer"))
    return _items(balancer.get("ingress")) != [{"ip": ip}]


def publish_status(kubectl: Kubectl, ingress: Obj, ip: str) -> bool:
    """Patch the status subresource of one Ingress (kubectl --subresource=status); True if done."""
    metadata = _mapping(ingress.get("metadata"))
    name, namespace = _text(metadata.get("name")), _text(metadata.get("namespace")) or "default"
    if not name:
        return False
    done = kubectl(
        "patch",
        INGRESSES,
        name,
        "-n",
        namespace,
        "--subresource=status",
        "--type=merge",
        "-p",
        json.dumps(status_patch(ip)),
    )
    if done.returncode != 0:
        log.warning("status of %s/%s not written: %s", namespace, name, done.stderr.strip()[:300])
        return False
    log.info("%s/%s is served at %s", namespace, name, ip)
    return True


# ---------------------------------------------------------------- nginx


def nginx_argv(state_dir: Path, *extra: str, config: Path | None = None) -> list[str]:
    """nginx with its prefix, configuration and early error log all in the state folder."""
    conf = config or state_dir / "nginx.conf"
    return [
        NGINX,
        "-p",
        f"{state_dir}/",
        "-c",
        str(conf),
        "-e",
        str(state_dir / "error.log"),
        *extra,
    ]


def prepare_state_dir(state_dir: Path) -> None:
    for kind in _TEMP_PATHS:
        (state_dir / "tmp" / kind).mkdir(parents=True, exist_ok=True)


def nginx_pid(state_dir: Path) -> int | None:
    """The pid of the nginx master running from this state folder, if one is alive."""
    try:
        pid = int((state_dir / "nginx.pid").read_text().strip())
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (OSError, ValueError):
        return None
    return pid if b"nginx" in cmdline else None


def _nginx(
    state_dir: Path, *extra: str, config: Path | None = None
) -> subprocess.CompletedProcess[str]:
    argv = nginx_argv(state_dir, *extra, config=config)
    return subprocess.run(argv, capture_output=True, text=True, timeout=30)


def write_atomically(path: Path, text: str) -> None:
    with tempfile.NamedTemporaryFile("w", dir=path.parent, prefix=".nginx.", delete=False) as out:
        out.write(text)
    os.replace(out.name, path)


def apply_config(state_dir: Path, config: str) -> bool:
    """Test `config` with `nginx -t`; if good, install it and start or reload nginx."""
    prepare_state_dir(state_dir)
    candidate = state_dir / "nginx.conf.new"
    write_atomically(candidate, config)
    tested = _nginx(state_dir, "-t", config=candidate)
    if tested.returncode != 0:
        log.error(
            "nginx -t refused the new configuration, kept the last good one: %s",
            tested.stderr.strip()[-600:],
        )
        return False
    os.replace(candidate, state_dir / "nginx.conf")
    return ensure_nginx(state_dir, reload=True)


def ensure_nginx(state_dir: Path, *, reload: bool = False) -> bool:
    """Start nginx on the installed configuration if it is not running, else reload if asked."""
    if not (state_dir / "nginx.conf").exists():
        return False
    running = nginx_pid(state_dir) is not None
    if running and not reload:
        return True
    done = _nginx(state_dir, "-s", "reload") if running else _nginx(state_dir)
    if done.returncode != 0:
        log.error(
            "nginx %s failed: %s", "reload" if running else "start", done.stderr.strip()[-600:]
        )
        return False
    log.info("nginx %s (%s)", "reloaded" if running else "started", state_dir / "nginx.conf")
    return True


def stop_nginx(state_dir: Path, timeout: float = 10.0) -> None:
    """`nginx -s quit`, then `-s stop` if it has not gone within `timeout` seconds."""
    pid = nginx_pid(state_dir)
    if pid is None:
        return
    _nginx(state_dir, "-s", "quit")
    deadline = time.monotonic() + timeout
    while nginx_pid(state_dir) == pid and time.monotonic() < deadline:
        time.sleep(0.1)
    if nginx_pid(state_dir) == pid:
        _nginx(state_dir, "-s", "stop")


# ---------------------------------------------------------------- the daemon


@dataclass
class Daemon:
    """One controller's loop state: what was rendered last, whether the class exists."""

    kubectl: Kubectl
    listen: str
    state_dir: Path
    ingress_class: str = "nginx"
    rendered: str | None = None
    class_ready: bool = False
    read: Reader | None = None  # how the objects are read (default: one kubectl get)

    def sync(self) -> None:
        """One round: the class, the objects, the configuration, nginx, the statuses."""
        if not self.class_ready:
            self.class_ready = ensure_ingress_class(self.kubectl, self.ingress_class)
        ingresses, services = self.read() if self.read else read_objects(self.kubectl)
        config = render(
            ingresses,
            services,
            listen=self.listen,
            state_dir=self.state_dir,
            ingress_class=self.ingress_class,
        )
        if config != self.rendered:
            self.rendered = config  # a refused one is not retried until it changes
            apply_config(self.state_dir, config)
        else:
            ensure_nginx(self.state_dir)
        if nginx_pid(self.state_dir) is None:
            return  # no status saying it is served while nothing serves it
        ip = parse_listen(self.listen)[0]
        for ingress in served(ingresses, self.ingress_class):
            if needs_status(ingress, ip):
                publish_status(self.kubectl, ingress, ip)


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m grader.k8s.ingress_standin",
        description="Offline stand-in for ingress-nginx (exercise 4 only), on Debian's nginx.",
    )
    parser.add_argument("--kubeconfig", required=True)
    parser.add_argument("--listen", required=True, help="ADDRESS:PORT, e.g. 127.0.0.80:18480")
    parser.add_argument("--state-dir", required=True, type=Path)
    parser.add_argument("--ingress-class", default="nginx")
    parser.add_argument("--interval", type=float, default=2.0)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = _arguments(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s ingress-standin %(message)s")
    state_dir = args.state_dir.resolve()
    try:
        parse_listen(args.listen)
        _check_state_dir(state_dir)
    except ValueError as error:
        log.error("%s", error)
        return 2
    state_dir.mkdir(parents=True, exist_ok=True)
    try:
        read: Reader | None = api_reader(args.kubeconfig)
    except Exception:  # a kubeconfig the client cannot read: kubectl may
        log.warning("reading through kubectl (the API client cannot use %s)", args.kubeconfig)
        read = None
    daemon = Daemon(Kubectl(args.kubeconfig), args.listen, state_dir, args.ingress_class, read=read)
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    while not stop.is_set():
        try:
            daemon.sync()
        except Exception:  # an odd object, a cluster going away: log and go on
            log.exception("sync failed; trying again")
        stop.wait(args.interval)
    stop_nginx(state_dir)
    log.info("stopped")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
