"""Image references as Docker reads them (`distribution/reference`): `cowsay`,
`registry.gitlab.com/groupe/projet/cowsay:1.0`, `localhost:5000/cowsay@sha256:…`.

`parse` gives the registry (`docker.io` when the first part of the name is not a host), the
repository path (`library/` added on Docker Hub) and the tag (`latest` when none is given), or
Docker's own error for a reference it refuses (`repository name must be lowercase`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

DOCKER_HUB = "docker.io"
HUB_ALIASES = frozenset({"docker.io", "index.docker.io", "registry-1.docker.io"})
COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
PATH = re.compile(rf"{COMPONENT}(?:/{COMPONENT})*")
LABEL = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
DOMAIN = re.compile(rf"{LABEL}(?:\.{LABEL})*(?::\d+)?|\[[0-9a-fA-F:]+\](?::\d+)?")
TAG = re.compile(r"[\w][\w.-]{0,127}")
DIGEST = re.compile(r"[a-z0-9]+(?:[+._-][a-z0-9]+)*:[0-9a-fA-F]{32,}")
MAX_NAME = 255


class InvalidReference(ValueError):
    """Docker refuses the reference; the message is Docker's own words."""


@dataclass(frozen=True)
class Reference:
    domain: str  # "docker.io", "registry.gitlab.com", "127.0.0.1:5000"
    path: str  # "library/ubuntu", "groupe/projet/cowsay"
    tag: str = "latest"
    digest: str | None = None

    @property
    def repository(self) -> str:
        """The full name without tag: `registry.gitlab.com/groupe/projet/cowsay`."""
        return f"{self.domain}/{self.path}"

    @property
    def on_docker_hub(self) -> bool:
        return self.domain == DOCKER_HUB

    def with_tag(self, tag: str) -> Reference:
        return Reference(self.domain, self.path, tag)

    def moved_to(self, domain: str) -> Reference:
        return Reference(domain, self.path, self.tag, self.digest)

    def __str__(self) -> str:
        name = self.repository
        return f"{name}@{self.digest}" if self.digest else f"{name}:{self.tag}"

    def familiar(self) -> str:
        """As the student would write it: `cowsay:1.0`, `registry.gitlab.com/g/p/cowsay:1.0`."""
        name = self.path.removeprefix("library/") if self.on_docker_hub else self.repository
        return f"{name}:{self.tag}"


def split_domain(name: str) -> tuple[str, str]:
    """(registry, remainder) as Docker splits a name: the first part is a registry when it holds
    a `.` or a `:`, is `localhost`, or has a capital letter."""
    first, slash, rest = name.partition("/")
    if not slash or (not re.search(r"[.:]", first) and first != "localhost" and first.islower()):
        return DOCKER_HUB, name
    if first.lower() in HUB_ALIASES:
        return DOCKER_HUB, rest
    return first, rest


def parse(text: str) -> Reference:
    """The reference `text` names, or `InvalidReference` with Docker's message."""
    name, digest = text, None
    if "@" in name:
        name, digest = name.split("@", 1)
        if not DIGEST.fullmatch(digest):
            raise InvalidReference("invalid reference format")
    tag = "latest"
    last = name.rsplit("/", 1)[-1]
    if ":" in last:
        name, tag = name.rsplit(":", 1)
        if not TAG.fullmatch(tag):
            raise InvalidReference("invalid reference format")
    if not name or len(name) > MAX_NAME:
        raise InvalidReference("invalid reference format")
    domain, path = split_domain(name)
    if domain != DOCKER_HUB and not DOMAIN.fullmatch(domain):
        raise InvalidReference("invalid reference format")
    if not PATH.fullmatch(path):
        lowered = path.lower()
        if PATH.fullmatch(lowered):
            raise InvalidReference("invalid reference format: repository name must be lowercase")
        raise InvalidReference("invalid reference format")
    if domain == DOCKER_HUB and "/" not in path:
        path = f"library/{path}"
    return Reference(domain, path, tag, digest)


def key(text: str) -> str | None:
    """The name the engine stores `text` under (`cowsay` → `docker.io/library/cowsay:latest`),
    None for a reference Docker refuses."""
    try:
        return str(parse(text))
    except InvalidReference:
        return None
