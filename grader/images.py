"""Offline stand-in images for the public images the course uses.

Where Docker Hub is reachable the real images are used. Where it is not (an air-gapped
room, these test machines), a stand-in built from Debian packages is tagged under the exact
name a student wrote (`ubuntu:22.04`, `nginx:1.25-alpine`, ...), because the engine looks in
its local store first. Every stand-in carries the label `fr.grader.standin=<kind>`, so a
report can say when one was used.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

import docker.errors

from grader.engine import LABEL_STANDIN, Client
from grader.paths import images_dir

BASE = "local/debian:bookworm"
# stand-in kind → the local image that is the stand-in (built from fixtures/images/<kind>/)
LOCAL: dict[str, str] = {"debian": BASE} | {
    kind: f"local/{kind}:standin"
    for kind in ("nginx", "jupyter", "mariadb", "wordpress", "supermario", "hello-world")
}
# repository name as a student writes it → stand-in kind
_KINDS = {
    "ubuntu": "debian",
    "debian": "debian",
    "nginx": "nginx",
    "jupyter/base-notebook": "jupyter",
    "jupyter/minimal-notebook": "jupyter",
    "jupyter/scipy-notebook": "jupyter",
    "quay.io/jupyter/base-notebook": "jupyter",
    "mariadb": "mariadb",
    "mysql": "mariadb",
    "wordpress": "wordpress",
    "pengbai/docker-supermario": "supermario",
    "hello-world": "hello-world",
}
# repository name → (stand-in kind, local stand-in image)
STANDINS: dict[str, tuple[str, str]] = {repo: (kind, LOCAL[kind]) for repo, kind in _KINDS.items()}
# The public names tagged by `grader images seed` (more are tagged on demand).
SEED_TAGS = (
    "ubuntu:latest",
    "debian:latest",
    "debian:bookworm",
    "nginx:latest",
    "nginx:alpine",
    "jupyter/base-notebook:latest",
    "mariadb:latest",
    "mysql:5.7",
    "wordpress:latest",
    "pengbai/docker-supermario:latest",
    "hello-world:latest",
)

Log = Callable[[str], None]


class SeedError(Exception):
    pass


def repository(ref: str) -> str:
    """`docker.io/library/nginx:1.25-alpine@sha…` → `nginx`."""
    name = ref.split("@", 1)[0]
    last = name.rsplit("/", 1)[-1]
    name = name[: len(name) - len(last)] + last.split(":", 1)[0]
    for prefix in ("docker.io/library/", "docker.io/", "library/", "index.docker.io/library/"):
        if name.startswith(prefix):
            name = name[len(prefix) :]
    return name


def with_tag(ref: str) -> str:
    last = ref.rsplit("/", 1)[-1]
    return ref if ":" in last or "@" in ref else f"{ref}:latest"


_FROM = re.compile(r"^\s*FROM\s+(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?", re.I | re.M)


def base_images(dockerfile: str) -> list[str]:
    """The images named by FROM lines, without `scratch` and earlier build stages."""
    refs: list[str] = []
    stages: set[str] = set()
    for match in _FROM.finditer(dockerfile):
        ref, stage = match.group(1), match.group(2)
        if ref.lower() != "scratch" and ref.lower() not in stages and "$" not in ref:
            refs.append(ref)
        if stage:
            stages.add(stage.lower())
    return refs


def standin_kind(client: Client, ref: str) -> str | None:
    """The stand-in kind of a local image, or None for a real image (or no image)."""
    try:
        image = client.images.get(with_tag(ref))
    except docker.errors.ImageNotFound:
        return None
    return (image.labels or {}).get(LABEL_STANDIN)


def ensure(client: Client, ref: str, *, log: Log = lambda _: None) -> str | None:
    """Make `ref` available locally; return the stand-in kind used, or None for the real one.

    Unknown images that cannot be pulled are left alone: the build or `up` then fails with
    the engine's own message, which the checks turn into a hint.
    """
    ref = with_tag(ref)
    try:
        client.images.get(ref)
        return standin_kind(client, ref)
    except docker.errors.ImageNotFound:
        pass
    try:
        client.images.pull(ref)
        return None
    except docker.errors.APIError:
        pass
    return _tag_standin(client, ref, log=log) if repository(ref) in STANDINS else None


def _tag_standin(client: Client, ref: str, *, log: Log) -> str:
    """Tag the stand-in for `ref`'s repository as `ref` (building the stand-in if needed)."""
    kind, local = STANDINS[repository(ref)]
    seed_one(client, kind, log=log)
    name, tag = with_tag(ref).rsplit(":", 1)
    client.images.get(local).tag(name, tag)
    return kind


def seed(client: Client, *, force: bool = False, log: Log = print) -> None:
    """Make the common public images available: pulled if a registry answers, else stand-ins.

    With `force`, the stand-ins are rebuilt and tagged whatever the registry says.
    """
    if force:
        for standin in LOCAL:
            seed_one(client, standin, force=True, log=log)
    for ref in SEED_TAGS:
        kind = _tag_standin(client, ref, log=log) if force else ensure(client, ref, log=log)
        log(f"{ref}: " + (f"offline stand-in ({kind})" if kind else "real image"))


def seed_one(client: Client, kind: str, *, force: bool = False, log: Log = print) -> None:
    local = LOCAL[kind]
    if _exists(client, local) and not force:
        return
    if kind == "debian":
        _import_debian(client, log)
    else:
        seed_one(client, "debian", log=log)
        log(f"building {local} from {images_dir() / kind}")
        client.images.build(
            path=str(images_dir() / kind), tag=local, labels={LABEL_STANDIN: kind}, rm=True
        )


def _exists(client: Client, ref: str) -> bool:
    try:
        client.images.get(ref)
    except docker.errors.ImageNotFound:
        return False
    return True


_CLEAN = (
    "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb "
    "/var/cache/apt/*.bin || true"
)
# The apt settings of the official Debian images: no package cache, compressed indexes,
# no translations, so that layer sizes match what students see with the real images.
APT_CONF = {
    "docker-clean": (
        f'DPkg::Post-Invoke {{ "{_CLEAN}"; }};\n'
        f'APT::Update::Post-Invoke {{ "{_CLEAN}"; }};\n'
        'Dir::Cache::pkgcache "";\nDir::Cache::srcpkgcache "";\n'
    ),
    "docker-gzip-indexes": (
        'Acquire::GzipIndexes "true";\nAcquire::CompressionTypes::Order:: "gz";\n'
    ),
    "docker-no-languages": 'Acquire::Languages "none";\n',
    "docker-autoremove-suggests": 'Apt::AutoRemove::SuggestsImportant "false";\n',
}


def _import_debian(client: Client, log: Log) -> None:
    """debootstrap a minimal Debian, drop its package lists (as official images do), import."""
    if shutil.which("debootstrap") is None:
        raise SeedError(
            "debootstrap is missing: install it (apt-get install debootstrap) to build the "
            "offline stand-in images, or make Docker Hub reachable."
        )
    log("debootstrap bookworm (about 30 s)…")
    with tempfile.TemporaryDirectory(prefix="grader-rootfs-") as tmp:
        rootfs = Path(tmp) / "rootfs"
        subprocess.run(
            ["debootstrap", "--variant=minbase", "bookworm", str(rootfs),
             "http://deb.debian.org/debian"],
            check=True, capture_output=True,
        )  # fmt: skip
        for item in (rootfs / "var/lib/apt/lists").glob("*"):
            if item.is_file():
                item.unlink()
        for name, text in APT_CONF.items():
            (rootfs / "etc/apt/apt.conf.d" / name).write_text(text, encoding="utf-8")
        tar = subprocess.Popen(["tar", "-C", str(rootfs), "-c", "."], stdout=subprocess.PIPE)
        subprocess.run(
            ["docker", "import", "--change", 'CMD ["/bin/bash"]',
             "--change", f"LABEL {LABEL_STANDIN}=debian", "-", BASE],
            stdin=tar.stdout, check=True, capture_output=True,
        )  # fmt: skip
        tar.wait()
    log(f"imported {BASE}")
