"""Resource limits for everything the grader runs: one place for the defaults, overridable per
exercise in `exercise.yaml` (`params: {limits: {memory: 1g, pids: 512, cpus: 2}}`).

The reasons: 512 MiB is four times what the course's heaviest service (MariaDB) needs at rest
and keeps a memory bomb from starving a 2-core grading machine; 256 processes is far above any
exercise's needs and stops a fork bomb; one CPU per container keeps two parallel gradings from
starving each other; per-check wall-clock budgets keep a `CMD` that never exits from holding a
batch hostage; 2 GiB written per build step is ten times the course's biggest `apt-get
install` layer and stops a build that fills the disk.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmg]?)i?b?\s*$", re.I)
_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}


def size_bytes(value: object) -> int | None:
    """`512m`, `1g`, `536870912` → bytes; None when it cannot be read."""
    match = _SIZE.match(str(value))
    if not match:
        return None
    return int(float(match.group(1)) * _UNITS[match.group(2).lower()])


@dataclass(frozen=True)
class Limits:
    memory: str = "512m"
    pids: int = 256
    cpus: float = 1.0
    check_seconds: int = 240  # wall-clock budget of one check (and of one image build)
    build_disk: str = "2g"  # what one build step may write

    def run_options(self) -> dict[str, Any]:
        """Keyword arguments for the docker SDK's containers.create/run."""
        return {
            "mem_limit": self.memory,
            "pids_limit": self.pids,
            "nano_cpus": int(self.cpus * 1_000_000_000),
        }

    def build_options(self) -> dict[str, Any]:
        """Keyword arguments for `grader.containers.engine.build_image` (an unreadable disk
        size: 2g)."""
        disk = size_bytes(self.build_disk) or size_bytes(Limits.build_disk)
        return {
            "memory": size_bytes(self.memory),
            "pids": self.pids,
            "seconds": self.check_seconds,
            "disk_bytes": disk,
        }

    def cap_service(self, service: dict[str, Any]) -> None:
        """Lower a normalised Compose service's limits to these (never raise them)."""
        cap = size_bytes(self.memory) or 0
        asked = size_bytes(service.get("mem_limit")) if service.get("mem_limit") else None
        service["mem_limit"] = str(min(asked, cap) if asked else cap)
        asked_pids = service.get("pids_limit")
        if not isinstance(asked_pids, int) or asked_pids <= 0 or asked_pids > self.pids:
            service["pids_limit"] = self.pids
        try:
            asked_cpus = float(service.get("cpus") or 0)
        except (TypeError, ValueError):
            asked_cpus = 0
        service["cpus"] = min(asked_cpus, self.cpus) if asked_cpus > 0 else self.cpus


DEFAULT = Limits()


def for_params(params: dict[str, Any], environ: Mapping[str, str] = os.environ) -> Limits:
    """The exercise's limits; a teacher may set every check's budget and what a build step
    may write for a whole run with GRADER_CHECK_SECONDS and GRADER_BUILD_DISK (e.g. `1g`)."""
    overrides = dict(params.get("limits") or {})
    if environ.get("GRADER_CHECK_SECONDS", "").isdigit():
        overrides["check_seconds"] = int(environ["GRADER_CHECK_SECONDS"])
    if size_bytes(environ.get("GRADER_BUILD_DISK", "")):
        overrides["build_disk"] = environ["GRADER_BUILD_DISK"]
    known = {k: v for k, v in overrides.items() if k in Limits.__dataclass_fields__}
    return replace(DEFAULT, **known)
