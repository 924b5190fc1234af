"""Offline stand-in images for the public images the course uses: building and tagging them.

Where Docker Hub is reachable the real images are used. Where it is not (an air-gapped
room, these test machines), a stand-in built from Debian packages is tagged under the exact
name a student wrote (`ubuntu:22.04`, `nginx:1.25-alpine`, ...), because the engine looks in
its local store first. Every stand-in carries the label `fr.grader.standin=<kind>`, so a
report can say when one was used.

Which stand-in plays which name, and how faithfully (Debian releases, end-of-life Debian and
Ubuntu releases, builds not judged offline), is decided in `grader.containers.standins`; its
names are also importable from here. Everything is built from the mirror the machine's own apt uses,
or `GRADER_DEBIAN_MIRROR`.
"""

from __future__ import annotations

import difflib
import io
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import docker.errors

from grader.containers.engine import Client
from grader.containers.standins import (
    BASE,
    BUILT_ON,
    DEBIAN_RELEASES,
    DEFAULT_RELEASE,
    LOCAL,
    STANDINS,
    UBUNTU_ARCHIVE,
    UBUNTU_RELEASES,
    Mirror,
    MirrorUnreachable,
    PackageNames,
    Standin,
    base_images,
    debian_codename,
    discover_mirror,
    plan,
    repository,
    sources,
    standin_excuse,
    tag_of,
    ubuntu_archive,
    ubuntu_codename,
    ubuntu_release,
    ubuntu_sources,
    with_tag,
)
from grader.model.hints import Hint, hint
from grader.model.labels import LABEL_STANDIN
from grader.paths import images_dir

__all__ = [
    "APT_CONF",
    "BASE",
    "DEBIAN_RELEASES",
    "DEFAULT_RELEASE",
    "LOCAL",
    "SEED_TAGS",
    "STANDINS",
    "UBUNTU_ARCHIVE",
    "UBUNTU_RELEASES",
    "Mirror",
    "MirrorUnreachable",
    "PackageNames",
    "SeedError",
    "Standin",
    "base_images",
    "debian_codename",
    "discover_mirror",
    "ensure",
    "ensure_standin",
    "package_names",
    "plan",
    "repository",
    "seed",
    "seed_one",
    "sources",
    "standin_excuse",
    "standin_kind",
    "tag_of",
    "ubuntu_archive",
    "ubuntu_codename",
    "ubuntu_release",
    "ubuntu_sources",
    "with_tag",
]

# The public names tagged by `grader images seed` (more are tagged on demand, and a Debian
# release other than the default is debootstrapped only when a student's FROM names it).
SEED_TAGS = (
    "ubuntu:latest",
    "debian:bookworm",
    "nginx:latest",
    "nginx:alpine",
    "jupyter/base-notebook:latest",
    "mariadb:latest",
    "mysql:5.7",
    "wordpress:latest",
    "pengbai/docker-supermario:latest",
    "nginxinc/nginx-unprivileged:latest",
    "busybox:latest",
    "hello-world:latest",
    "redis:latest",
    "python:3.11-slim",
    "postgres:latest",
    "phpmyadmin:latest",
    "adminer:latest",
)

Log = Callable[[str], None]


class SeedError(Exception):
    pass


def standin_kind(client: Client, ref: str) -> str | None:
    """The stand-in kind of a local image, or None for a real image (or no image)."""
    found = _local(client, with_tag(ref))
    return None if found is None else (found.labels or {}).get(LABEL_STANDIN)


def ensure(client: Client, ref: str, *, log: Log = lambda _: None) -> str | None:
    """Make `ref` available locally; return how a stand-in stands for it (`Standin.describe`),
    or None for the real image.

    Unknown images that cannot be pulled are left alone: the build or `up` then fails with
    the engine's own message, which the checks turn into a hint.
    """
    standin = ensure_standin(client, ref, log=log)
    return standin.describe() if standin else None


# What the engine says when no registry can be reached (not when an image does not exist).
_UNREACHABLE = (
    "no such host",
    "dial tcp",
    "i/o timeout",
    "connection refused",
    "network is unreachable",
    "tls handshake timeout",
    "context deadline exceeded",
    "temporary failure in name resolution",
    "server misbehaving",
)


def registry_unreachable(text: str) -> bool:
    lowered = text.lower()
    return any(sign in lowered for sign in _UNREACHABLE)


def _misspelt(ref: str) -> bool:
    """`ubuntoo`, `ngnix`: a name a letter or two from an image the grader knows is a typo,
    the student's to fix, not an image this machine lacks."""
    name = repository(ref)
    return name not in STANDINS and bool(difflib.get_close_matches(name, STANDINS, cutoff=0.75))


def offline_missing(client: Client, refs: list[str]) -> Hint | None:
    """`common.image_offline` when one of `refs` is not on the engine (nor a stand-in) and
    pulling it fails because no registry can be reached: whether it exists cannot be told
    here. An image the registry says does not exist is the student's mistake: None."""
    for ref in (with_tag(r) for r in refs):
        if _local(client, ref) is not None or _misspelt(ref):
            continue
        try:
            client.images.pull(ref)
        except docker.errors.APIError as error:
            if registry_unreachable(str(error.explanation or error)):
                return hint("common.image_offline", image=ref)
    return None


def ensure_standin(client: Client, ref: str, *, log: Log = lambda _: None) -> Standin | None:
    """Make `ref` available locally; return its stand-in, or None for the real image.

    A name already tagged on a stand-in is tagged again if another stand-in is now the right
    one (`debian:latest` seeded as bookworm before releases had their own)."""
    ref = with_tag(ref)
    found = _local(client, ref)
    if found is not None and LABEL_STANDIN not in (found.labels or {}):
        return None
    if found is None:
        try:
            client.images.pull(ref)
            return None
        except docker.errors.APIError:
            pass
    try:
        standin = plan(ref, discover_mirror())
    except MirrorUnreachable:  # no way to tell the release: keep what is there, claim nothing
        standin = None if found is not None else plan(ref, None)
    if standin is None:
        return None
    image = _standin_image(client, standin, log=log)
    if found is None or found.id != image.id:
        name, tag = ref.rsplit(":", 1)
        image.tag(name, tag)
    return standin


def _standin_image(client: Client, standin: Standin, *, log: Log) -> Any:
    if standin.kind != "debian":
        seed_one(client, standin.kind, log=log)
    elif _local(client, standin.image) is None and standin.distro == "Ubuntu":
        seed_one(client, "debian", log=log)
        _build_eol(
            client,
            standin.image,
            f"ubuntu-{standin.release}",
            "etc/apt/sources.list",
            ubuntu_sources(standin.release, ubuntu_archive()),
            log=log,
        )
    elif _local(client, standin.image) is None:
        _make_release(client, standin.release, eol=standin.eol, log=log)
    return client.images.get(standin.image)


def seed(client: Client, *, force: bool = False, log: Log = print) -> None:
    """Make the common public images available: pulled if a registry answers, else stand-ins.

    With `force`, the stand-ins are rebuilt and tagged whatever the registry says.
    """
    if force:
        for standin in LOCAL:
            seed_one(client, standin, force=True, log=log)
    for ref in SEED_TAGS:
        if force:
            planned = plan(ref, discover_mirror())
            assert planned is not None, ref
            name, tag = with_tag(ref).rsplit(":", 1)
            _standin_image(client, planned, log=log).tag(name, tag)
            described: str | None = planned.describe()
        else:
            described = ensure(client, ref, log=log)
        log(f"{ref}: " + (f"offline stand-in ({described})" if described else "real image"))


def seed_one(client: Client, kind: str, *, force: bool = False, log: Log = print) -> None:
    local = LOCAL[kind]
    if _local(client, local) is not None and not force:
        return
    if kind == "debian":
        _make_release(client, DEFAULT_RELEASE, eol=False, log=log)
    else:
        seed_one(client, BUILT_ON.get(kind, "debian"), log=log)
        log(f"building {local} from {images_dir() / kind}")
        client.images.build(
            path=str(images_dir() / kind), tag=local, labels={LABEL_STANDIN: kind}, rm=True
        )


def _local(client: Client, ref: str) -> Any:
    try:
        return client.images.get(ref)
    except docker.errors.ImageNotFound:
        return None


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


def _mirror_or_fail() -> Mirror:
    mirror = discover_mirror()
    if mirror is None:
        raise SeedError(
            "No Debian mirror to build the offline stand-in images from: this machine's apt "
            "names none (/etc/apt/sources.list, /etc/apt/sources.list.d/). Set "
            "GRADER_DEBIAN_MIRROR (e.g. the room's mirror), or make Docker Hub reachable."
        )
    return mirror


def _make_release(client: Client, codename: str, *, eol: bool, log: Log) -> None:
    """`local/debian:<codename>`: debootstrapped if the mirror serves it, else (end of life)
    the default release with apt sources naming `codename`, which apt then cannot fetch."""
    mirror = _mirror_or_fail()
    path, text = sources(
        codename, mirror, served=lambda s, sec: eol or mirror.serves(s, security=sec)
    )
    if not eol:
        _import_debian(client, codename, mirror, {path: text}, log)
        return
    seed_one(client, "debian", log=log)
    _build_eol(client, f"local/debian:{codename}", f"debian-{codename}", path, text, log=log)


def _build_eol(client: Client, image: str, label: str, path: str, text: str, *, log: Log) -> None:
    """`image`: the default release whose only apt sources are `text` (at `path`), naming a
    release the archive no longer serves, so that `apt-get update` fails as in the real image."""
    printf = text.replace("%", "%%").replace("\n", "\\n")
    dockerfile = (
        f"FROM {BASE}\nRUN rm -f /etc/apt/sources.list /etc/apt/sources.list.d/debian.sources "
        f"&& printf '{printf}' > /{path}\nLABEL {LABEL_STANDIN}={label}\n"
    )
    log(f"building {image} (end of life: apt sources naming a release no longer served)")
    client.images.build(fileobj=io.BytesIO(dockerfile.encode()), tag=image, rm=True)


def _import_debian(
    client: Client, codename: str, mirror: Mirror, files: dict[str, str], log: Log
) -> None:
    """debootstrap a minimal Debian, drop its package lists (as official images do), import."""
    if shutil.which("debootstrap") is None:
        raise SeedError(
            "debootstrap is missing: install it (apt-get install debootstrap) to build the "
            "offline stand-in images, or make Docker Hub reachable."
        )
    script = codename if Path("/usr/share/debootstrap/scripts", codename).exists() else "sid"
    log(f"debootstrap {codename} from {mirror.archive} (about 30-60 s)…")
    tag = f"local/debian:{codename}"
    with tempfile.TemporaryDirectory(prefix="grader-rootfs-") as tmp:
        rootfs = Path(tmp) / "rootfs"
        subprocess.run(
            ["debootstrap", "--variant=minbase", codename, str(rootfs), mirror.archive, script],
            check=True,
            capture_output=True,
        )
        for item in (rootfs / "var/lib/apt/lists").glob("*"):
            if item.is_file():
                item.unlink()
        (rootfs / "etc/apt/sources.list").unlink(missing_ok=True)
        for name, text in files.items():
            (rootfs / name).write_text(text, encoding="utf-8")
        for name, text in APT_CONF.items():
            (rootfs / "etc/apt/apt.conf.d" / name).write_text(text, encoding="utf-8")
        tar = subprocess.Popen(["tar", "-C", str(rootfs), "-c", "."], stdout=subprocess.PIPE)
        subprocess.run(
            [
                "docker",
                "import",
                "--change",
                'CMD ["/bin/bash"]',
                "--change",
                f"LABEL {LABEL_STANDIN}=debian-{codename}",
                "-",
                tag,
            ],
            stdin=tar.stdout,
            check=True,
            capture_output=True,
        )
        tar.wait()
    log(f"imported {tag}")


def package_names(
    client: Client, standin: Standin, prefix: str, *, labels: Mapping[str, str]
) -> set[str] | None:
    """The names of the packages starting with `prefix` that apt finds in the stand-in."""
    command = "apt-get update -qq >/dev/null 2>&1 && apt-cache pkgnames " + _shell_word(prefix)
    try:
        output = client.containers.run(
            standin.image,
            ["timeout", "120", "sh", "-c", command],
            remove=True,
            labels=dict(labels),
            network_mode="bridge",
        )
    except docker.errors.DockerException:
        return None
    names = {line.strip() for line in output.decode("utf-8", "replace").splitlines()}
    return names - {""} or None


def _shell_word(text: str) -> str:
    return "'" + re.sub(r"[^A-Za-z0-9.+-]", "", text) + "'"
