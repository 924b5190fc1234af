"""Reading parsed YAML that a student wrote, which can hold anything: a mapping or a list
where one is expected, else an empty one (Compose files and Kubernetes manifests alike)."""

from __future__ import annotations

from typing import Any


def mapping(value: object) -> dict[str, Any]:
    """`value` if it is a mapping, else an empty one."""
    return value if isinstance(value, dict) else {}


def sequence(value: object) -> list[Any]:
    """`value` if it is a list, else an empty one."""
    return value if isinstance(value, list) else []
