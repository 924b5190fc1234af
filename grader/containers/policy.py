"""What a Compose file (after `docker compose config` normalisation) may not ask of the host:
the policy's Compose half (the rules and the refusal: `grader.model.policy`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from grader.containers import compose
from grader.model.policy import Violation
from grader.model.shapes import mapping, sequence

UNCONFINED = ("unconfined", "label=disable", "label:disable", "no-new-privileges=false")


def compose_violations(config: dict[str, Any], folder: Path) -> list[Violation]:
    """Everything in a normalised Compose config that the grader refuses to run."""
    found: list[Violation] = []
    for name, service in mapping(config.get("services")).items():
        where = f"service {name}"
        if not isinstance(service, dict):
            continue
        if service.get("privileged"):
            found.append(Violation(where, "privileged", "privileged: true"))
        for key in ("network_mode", "pid", "ipc", "userns_mode", "uts", "cgroup"):
            if str(service.get(key) or "") == "host":
                found.append(Violation(where, "host_namespace", f"{key}: host"))
        if service.get("cap_add"):
            added = ", ".join(map(str, sequence(service["cap_add"]))) or str(service["cap_add"])
            found.append(Violation(where, "capabilities", added))
        if service.get("devices") or service.get("device_cgroup_rules"):
            found.append(Violation(where, "devices", "devices"))
        for option in sequence(service.get("security_opt")):
            if any(word in str(option) for word in UNCONFINED):
                found.append(Violation(where, "unconfined", str(option)))
        for source in compose.bind_sources(service):
            if source.endswith((".sock", ".socket")):
                found.append(Violation(where, "docker_socket", source))
            elif not compose.inside(source, folder) and compose.is_system_path(source):
                found.append(Violation(where, "host_path", source))
        build = service.get("build")
        context = build.get("context") if isinstance(build, dict) else None
        if context and "://" not in str(context) and not compose.inside(str(context), folder):
            found.append(Violation(where, "build_context", str(context)))
    return found
