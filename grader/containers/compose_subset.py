"""The part of a stack that can run here: services whose image cannot be had offline are left
out when no other service needs them (issue 23, item 4).

A WordPress stack with a `dpage/pgadmin4` or a `mailhog` beside it: the exercise's checks
never look at the extra service, and its image has no stand-in (`phpmyadmin`, `adminer` and
`postgres` have one, and start). Offline,
Compose would refuse the whole stack for it; the grader starts the rest instead, and says so.
A service another one needs (`depends_on`, `links`, its name in the other's environment) is
never left out: the stack then fails as Compose would, and the checks say it is not judged
here. Online every image can be pulled, nothing is missing, everything starts.
"""

from __future__ import annotations

import json
import re
from typing import Any

from grader.containers.compose import names

_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


def needs(config: dict[str, Any], service: str) -> set[str]:
    """The other services `service` needs to work: those it `depends_on`, those it `links`
    to, and those whose name (service name, `container_name`, `hostname`, alias) appears in
    its environment (`WORDPRESS_DB_HOST: db:3306`, `DATABASE_URL: postgres://…@pg/…`)."""
    services = config.get("services") or {}
    spec = services.get(service) or {}
    found = set(spec.get("depends_on") or {})
    found |= {str(link).partition(":")[0] for link in spec.get("links") or []}
    words = {
        w.lower()
        for value in (spec.get("environment") or {}).values()
        for w in _WORD.findall(str(value or ""))
    }
    for other in services:
        if other != service and names(config, other) & words:
            found.add(other)
    return found & set(services) - {service}


def left_out(config: dict[str, Any], missing: set[str]) -> set[str]:
    """The services of `missing` (their image cannot be had here) that can be left out: all
    of them when none is needed by a service that runs, else none (the stack is then started
    whole, and fails as Compose would)."""
    services = set(config.get("services") or {})
    if not missing or missing >= services:
        return set()
    kept = services - missing
    if any(needs(config, service) & missing for service in kept):
        return set()
    return missing


def without(config: dict[str, Any], services: set[str]) -> dict[str, Any]:
    """A copy of a normalised config without `services`."""
    data: dict[str, Any] = json.loads(json.dumps(config))
    for service in services:
        (data.get("services") or {}).pop(service, None)
    return data
