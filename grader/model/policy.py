"""What a submission may ask of the host, checked before anything runs.

A Compose file (after `docker compose config` normalisation) or a set of Kubernetes manifests
that asks for more than an exercise needs — a privileged container, the host's network, PID or
IPC namespace, added capabilities, devices, confinement switched off, host folders outside the
submission that are the system's (the Docker socket, `/`, `/etc`…) — is refused: the grader
reports it and never starts it. Other host folders outside the submission (`/srv/mysql`,
`~/wordpress`) are ordinary student data folders: they are re-rooted in a scratch folder of the
grading (`compose.reroot`), never mounted from the host.

The rules and the one refusal hint live here; what each kind of file is checked for lives
beside what reads it: `grader.containers.policy` (a Compose file), `grader.k8s.policy`
(Kubernetes manifests).
"""

from __future__ import annotations

from dataclasses import dataclass

from grader.model.hints import Hint, declared, hint

RULES = (
    "privileged",
    "host_namespace",
    "capabilities",
    "devices",
    "unconfined",
    "docker_socket",
    "host_path",
    "build_context",
    "cluster_scoped",
    "external_ips",
    "node_name",
    "escalation",
    "host_port",
)
HINT_KEYS = tuple(f"common.policy_{rule}" for rule in RULES)


@dataclass(frozen=True)
class Violation:
    where: str  # `service web` or `Pod/x`
    rule: str  # the key of its message: common.policy_<rule>
    detail: str

    def hint(self) -> Hint:
        key = declared(f"common.policy_{self.rule}", HINT_KEYS)
        return hint(key, where=self.where, detail=self.detail)


def refusal(violations: list[Violation]) -> Hint | None:
    """One hint listing every violation, or None when there is none."""
    if not violations:
        return None
    return hint("common.policy_refused", items=[v.hint() for v in violations])
