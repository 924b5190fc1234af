"""What stands in for a public image offline, and how faithfully (no engine here).

Stand-ins are as faithful as the archives allow (`Standin`, `plan`): a Debian release the
mirror serves gets a stand-in of that very release (debootstrapped the first time a student
names it); an end-of-life release — of Debian, or of Ubuntu when the archive the real
`ubuntu` image uses answers that it no longer has it — gets one whose apt sources name that
release as the real image's do, so that `apt-get update` fails as it does with the real
image; another distribution (Ubuntu, Alpine) is otherwise played by Debian, and a build that
fails only because of that is not judged (`standin_excuse`). Debian stand-ins are built from
the mirror the machine's own apt uses, or `GRADER_DEBIAN_MIRROR`: no mirror address is
written here (the Ubuntu archive named is the one the official image's sources name).
"""

from __future__ import annotations

import difflib
import os
import re
import urllib.error
import urllib.request
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from grader.containers.dockerfile import instructions
from grader.containers.engine import BuildResult
from grader.model.hints import Hint, hint

DEFAULT_RELEASE = "bookworm"  # the seeded base: every other stand-in kind is built on it
BASE = f"local/debian:{DEFAULT_RELEASE}"
# stand-in kind → the local image that is the stand-in (built from fixtures/images/<kind>/)
LOCAL: dict[str, str] = {"debian": BASE} | {
    kind: f"local/{kind}:standin"
    for kind in (
        "nginx",
        "nginx-unprivileged",
        "busybox",
        "jupyter",
        "mariadb",
        "wordpress",
        "supermario",
        "hello-world",
        "redis",
        "python",
        "postgres",
        "phpmyadmin",
        "adminer",
    )
}
# A stand-in built on another stand-in rather than on the Debian base.
BUILT_ON = {"nginx-unprivileged": "nginx"}
# repository name as a student writes it → stand-in kind
_KINDS = {
    "ubuntu": "debian",
    "debian": "debian",
    "alpine": "debian",
    "nginx": "nginx",
    # nginx's own image for non-root pods (Docker Hub, and the same on GitHub's registry)
    "nginxinc/nginx-unprivileged": "nginx-unprivileged",
    "ghcr.io/nginxinc/nginx-unprivileged": "nginx-unprivileged",
    "busybox": "busybox",
    # Every image of the Jupyter Docker Stacks, on Docker Hub and on quay.io (where they moved):
    # the notebook server is the same; the scientific packages are not in the stand-in.
    **{
        f"{registry}jupyter/{stack}-notebook": "jupyter"
        for registry in ("", "quay.io/")
        for stack in (
            "base",
            "minimal",
            "scipy",
            "datascience",
            "r",
            "julia",
            "tensorflow",
            "pytorch",
            "pyspark",
            "all-spark",
        )
    },
    "mariadb": "mariadb",
    "mysql": "mariadb",
    "wordpress": "wordpress",
    "pengbai/docker-supermario": "supermario",
    "hello-world": "hello-world",
    "redis": "redis",
    # Debian's PostgreSQL (15), set up from POSTGRES_* as the official image (seed 000 J3)
    "postgres": "postgres",
    # Debian's Python 3.11 with Flask and redis-py preinstalled (the course's counter app):
    # for the python:3.11* tags only
    "python": "python",
    # The database companions of a Compose stack (WordPress + MariaDB + phpMyAdmin): Debian's
    # phpMyAdmin 5.2 and Adminer 4.8, set up from the official images' variables
    "phpmyadmin": "phpmyadmin",
    "phpmyadmin/phpmyadmin": "phpmyadmin",
    "adminer": "adminer",
}
# repository name → (stand-in kind, local stand-in image)
STANDINS: dict[str, tuple[str, str]] = {repo: (kind, LOCAL[kind]) for repo, kind in _KINDS.items()}
# The distribution the real image is made of (a tag saying `alpine` overrides it).
_DISTROS = {
    "ubuntu": "Ubuntu",
    "alpine": "Alpine",
    "mariadb": "Ubuntu",
    "mysql": "Oracle Linux",
    "jupyter": "Ubuntu",
    "nginx": "Debian",
    "nginx-unprivileged": "Debian",
    "wordpress": "Debian",
    "busybox": "scratch",
    "supermario": "an unknown base",
    "hello-world": "scratch",
    "redis": "Debian",
    "python": "Debian",
    "postgres": "Debian",
    "phpmyadmin": "Debian",
    "adminer": "Alpine",
}
# Stand-ins that play some tags of their repository only: one version of the software
# (Debian bookworm's Python), or the web-server variants (not phpMyAdmin's `fpm` nor Adminer's
# `fastcgi` tags, which serve FastCGI on port 9000). The other tags have none (an image that
# cannot be had offline is not judged).
_ONE_VERSION = {
    "python": re.compile(r"3\.11(?:[.-]|$)"),
    "phpmyadmin": re.compile(r"(?!.*fpm)"),
    "adminer": re.compile(r"(?!.*fastcgi)"),
}
# Debian's release names by major version (facts of the Debian project).
DEBIAN_RELEASES = {
    "6": "squeeze",
    "7": "wheezy",
    "8": "jessie",
    "9": "stretch",
    "10": "buster",
    "11": "bullseye",
    "12": "bookworm",
    "13": "trixie",
    "14": "forky",
    "15": "duke",
}
_NUMBERS = {name: int(number) for number, name in DEBIAN_RELEASES.items()} | {"sid": 99}
_ALIASES = ("stable", "oldstable", "oldoldstable", "testing", "unstable")


# Ubuntu's release names by version (facts of the Ubuntu project).
UBUNTU_RELEASES = {
    "4.10": "warty",
    "5.04": "hoary",
    "5.10": "breezy",
    "6.06": "dapper",
    "6.10": "edgy",
    "7.04": "feisty",
    "7.10": "gutsy",
    "8.04": "hardy",
    "8.10": "intrepid",
    "9.04": "jaunty",
    "9.10": "karmic",
    "10.04": "lucid",
    "10.10": "maverick",
    "11.04": "natty",
    "11.10": "oneiric",
    "12.04": "precise",
    "12.10": "quantal",
    "13.04": "raring",
    "13.10": "saucy",
    "14.04": "trusty",
    "14.10": "utopic",
    "15.04": "vivid",
    "15.10": "wily",
    "16.04": "xenial",
    "16.10": "yakkety",
    "17.04": "zesty",
    "17.10": "artful",
    "18.04": "bionic",
    "18.10": "cosmic",
    "19.04": "disco",
    "19.10": "eoan",
    "20.04": "focal",
    "20.10": "groovy",
    "21.04": "hirsute",
    "21.10": "impish",
    "22.04": "jammy",
    "22.10": "kinetic",
    "23.04": "lunar",
    "23.10": "mantic",
    "24.04": "noble",
    "24.10": "oracular",
    "25.04": "plucky",
    "25.10": "questing",
    "26.04": "resolute",
}
_UBUNTU_NAMES = frozenset(UBUNTU_RELEASES.values())
# Where the apt sources of the official `ubuntu` images point (a fact about those images, not
# a mirror of this machine): whether it still serves a release is what decides whether
# `apt-get update` works in the real image. `GRADER_UBUNTU_ARCHIVE` overrides it.
UBUNTU_ARCHIVE = "http://archive.ubuntu.com/ubuntu"
ReleaseState = Literal["gone", "served", "unknown"]


class MirrorUnreachable(Exception):
    """The Debian mirror did not answer (as opposed to answering that it lacks a suite)."""


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


def tag_of(ref: str) -> str:
    """`ubuntu:22.04` → `22.04`; `ubuntu` → `latest` (a digest counts as no tag)."""
    last = with_tag(ref.split("@", 1)[0]).rsplit("/", 1)[-1]
    return last.split(":", 1)[1]


# A FROM line of a build log (`Step 1/4 : FROM debian:12 AS build`).
_FROM = re.compile(r"^\s*FROM\s+(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?", re.I | re.M)


def base_images(dockerfile: str) -> list[str]:
    """The images named by FROM instructions (read as Docker reads them), without `scratch`
    and earlier build stages."""
    refs: list[str] = []
    stages: set[str] = set()
    for step in instructions(dockerfile):
        words = [w for w in step.args.split() if not w.startswith("--")]
        if step.keyword != "FROM" or not words:
            continue
        ref, stage = words[0], words[2] if len(words) > 2 and words[1].lower() == "as" else None
        if ref.lower() != "scratch" and ref.lower() not in stages and "$" not in ref:
            refs.append(ref)
        if stage:
            stages.add(stage.lower())
    return refs


_SUFFIX = re.compile(r"(-slim|-backports|-\d{8})+$")


def debian_codename(tag: str, *, alias: Callable[[str], str | None]) -> str | None:
    """The Debian release a `debian:<tag>` image is made of: `12.8-slim` → `bookworm`,
    `bullseye-20240110-slim` → `bullseye`, `latest`/`stable-slim` → what `alias("stable")`
    says; None for a tag that names no release."""
    name = _SUFFIX.sub("", tag.lower())
    if name in ("", "latest", "slim"):
        name = "stable"
    if name in ("unstable", "experimental", "rc-buggy"):
        return "sid"
    if name in _ALIASES:
        return alias(name)
    if name in _NUMBERS:
        return name
    number = re.fullmatch(r"(\d+)(?:\.\d+)*", name)
    return DEBIAN_RELEASES.get(number.group(1)) if number else None


_UBUNTU_TAG = re.compile(r"(?P<name>[a-z]+|\d+\.\d+)(?:\.\d+)*(?:-\d{8}(?:\.\d+)?)?")


def ubuntu_codename(tag: str) -> str | None:
    """The Ubuntu release an `ubuntu:<tag>` image is made of: `14.04`, `16.04.7` → `trusty`,
    `xenial`; `jammy-20240911` → `jammy`; None for `latest`, `rolling`, `devel` (whatever is
    current: never end of life) and tags naming no release."""
    match = _UBUNTU_TAG.fullmatch(tag.lower())
    if match is None:
        return None
    name = match.group("name")
    if name in _UBUNTU_NAMES:
        return name
    return UBUNTU_RELEASES.get(name)


def ubuntu_archive(env: Mapping[str, str] | None = None) -> str:
    env = os.environ if env is None else env
    return (env.get("GRADER_UBUNTU_ARCHIVE") or UBUNTU_ARCHIVE).rstrip("/")


def http_status(url: str, *, timeout: float = 10) -> int | None:
    """The HTTP status `url` answers a HEAD request with (404 for a missing `file:` path);
    None when nothing answers (no network, no name resolution, a timeout)."""
    try:
        with urllib.request.urlopen(
            urllib.request.Request(url, method="HEAD"), timeout=timeout
        ) as answer:
            return int(answer.status or 200)  # a `file:` URL has no status
    except urllib.error.HTTPError as error:
        return error.code
    except (OSError, ValueError) as error:
        if isinstance(getattr(error, "reason", error), FileNotFoundError):
            return 404
        return None


# A release the Ubuntu archive keeps serving for years (24.04 LTS, supported until 2029, ESM
# 2034): an archive that answers 404 for it too is not the archive (a proxy or a captive
# portal answering 404 for everything), so its 404 for another release proves nothing.
UBUNTU_SERVED = "noble"
_UBUNTU_STATES: dict[str, ReleaseState] = {}  # per process: URL → what the archive said


def ubuntu_release(
    codename: str, *, archive: str | None = None, fetch: Callable[[str], int | None] | None = None
) -> ReleaseState:
    """Whether the archive of the real `ubuntu` images still serves `codename`: `gone` when
    `dists/<codename>/Release` answers 404 (an end-of-life release moved to old-releases)
    while that of `UBUNTU_SERVED` answers 200; `served` on 200; `unknown` otherwise
    (unreachable, an air-gapped room, any other answer), which is never taken for `gone`.
    `fetch(url)` gives the HTTP status (None: no answer); without it the network is asked,
    once per URL for the rest of the process."""
    base = archive or ubuntu_archive()

    def state(name: str) -> ReleaseState:
        url = f"{base}/dists/{name}/Release"
        if fetch is not None:
            return _state(fetch(url))
        if url not in _UBUNTU_STATES:
            # A short wait: in a room whose firewall drops packets this is asked at every
            # grading of an Ubuntu release tag, and no answer is "unknown" anyway.
            _UBUNTU_STATES[url] = _state(http_status(url, timeout=3))
        return _UBUNTU_STATES[url]

    found = state(codename)
    if found == "gone" and (codename == UBUNTU_SERVED or state(UBUNTU_SERVED) != "served"):
        return "unknown"
    return found


def _state(status: int | None) -> ReleaseState:
    return "gone" if status == 404 else "served" if status == 200 else "unknown"


def ubuntu_sources(codename: str, archive: str) -> str:
    """The `/etc/apt/sources.list` of the real `ubuntu:<codename>` image (its suites and
    components), on `archive`."""
    components = "main restricted universe multiverse"
    return "".join(
        f"deb {archive} {codename}{pocket} {components}\n"
        for pocket in ("", "-updates", "-security")
    )


@dataclass(frozen=True)
class Mirror:
    """The Debian archive (and security archive) stand-ins are built from and point at."""

    archive: str
    security: str | None = None

    def release(self, suite: str, *, security: bool = False) -> dict[str, str] | None:
        """The head fields of `dists/<suite>/Release` (Codename, Suite…), None if not served."""
        base = self.security if security else self.archive
        if base is None:
            return None
        url = f"{base.rstrip('/')}/dists/{suite}/Release"
        try:
            with urllib.request.urlopen(url, timeout=15) as answer:
                head = answer.read(4096).decode("utf-8", "replace")
        except urllib.error.HTTPError:
            return None  # 404: not (or no longer) served
        except (OSError, ValueError) as error:
            if isinstance(getattr(error, "reason", error), FileNotFoundError):
                return None  # a `file:` mirror without that suite
            raise MirrorUnreachable(f"{url}: {error}") from error
        fields = dict(re.findall(r"^([A-Za-z-]+): *(.*)$", head, re.M))
        return fields if "Codename" in fields or "Suite" in fields else None

    def serves(self, suite: str, *, security: bool = False) -> bool:
        return self.release(suite, security=security) is not None

    def codename(self, alias: str) -> str | None:
        fields = self.release(alias)
        return fields.get("Codename") if fields else None


_DEB_LINE = re.compile(r"^\s*deb\s+(?:\[[^]]*\]\s+)?(\S+)\s+(\S+)\s*(.*)$", re.M)


def _source_entries(apt_dir: Path) -> list[tuple[str, str, list[str]]]:
    """(URI, suite, components) of every `deb` entry, one-line and deb822 formats alike."""
    entries: list[tuple[str, str, list[str]]] = []
    lists = [apt_dir / "sources.list", *sorted((apt_dir / "sources.list.d").glob("*.list"))]
    for path in (p for p in lists if p.is_file()):
        text = path.read_text(encoding="utf-8", errors="replace")
        entries += [(u, s, c.split()) for u, s, c in _DEB_LINE.findall(text)]
    for path in sorted((apt_dir / "sources.list.d").glob("*.sources")):
        for stanza in re.split(r"\n\s*\n", path.read_text(encoding="utf-8", errors="replace")):
            fields = dict(re.findall(r"^([A-Za-z-]+):[ \t]*(.*)$", stanza, re.M))
            if "deb" not in fields.get("Types", "").split() or fields.get("Enabled") == "no":
                continue
            for uri in fields.get("URIs", "").split():
                entries += [
                    (uri, s, fields.get("Components", "").split())
                    for s in fields.get("Suites", "").split()
                ]
    return entries


def _debian_suite(suite: str) -> tuple[str, bool] | None:
    """`bookworm-security` → (`bookworm`, True); None for a suite that is not Debian's."""
    base, _, pocket = suite.replace("/updates", "-security").partition("-")
    if base not in _NUMBERS and base not in _ALIASES:
        return None
    return base, pocket == "security"


def discover_mirror(
    *, env: Mapping[str, str] | None = None, apt_dir: Path = Path("/etc/apt")
) -> Mirror | None:
    """The Debian mirror of `GRADER_DEBIAN_MIRROR` (and `GRADER_DEBIAN_SECURITY_MIRROR`), or
    else the one this machine's apt uses; None when neither names one."""
    env = os.environ if env is None else env
    if env.get("GRADER_DEBIAN_MIRROR"):
        return Mirror(env["GRADER_DEBIAN_MIRROR"], env.get("GRADER_DEBIAN_SECURITY_MIRROR"))
    archive = security = None
    for uri, suite, components in _source_entries(apt_dir):
        found = _debian_suite(suite)
        if found is None or "main" not in components:
            continue
        if found[1]:
            security = security or uri
        else:
            archive = archive or uri
    return (
        Mirror(archive, env.get("GRADER_DEBIAN_SECURITY_MIRROR") or security) if archive else None
    )


def sources(
    codename: str, mirror: Mirror, *, served: Callable[[str, bool], bool]
) -> tuple[str, str]:
    """(path, text) of the apt sources the real `debian:<codename>` image has, on `mirror`:
    deb822 `debian.sources` from bookworm on, a `sources.list` before. `served(suite,
    security)` says whether to list `-updates` and the security suite."""
    number = _NUMBERS.get(codename, 99)
    security_suite = f"{codename}/updates" if number <= 10 else f"{codename}-security"
    suites = [(mirror.archive, codename)]
    if codename != "sid" and served(f"{codename}-updates", False):
        suites.append((mirror.archive, f"{codename}-updates"))
    if mirror.security and codename != "sid" and served(security_suite, True):
        suites.append((mirror.security, security_suite))
    if number < 12:
        lines = [f"deb {uri} {suite} main" for uri, suite in suites]
        return "etc/apt/sources.list", "\n".join(lines) + "\n"
    keyring = "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n"
    stanzas: dict[str, list[str]] = {}
    for uri, suite in suites:
        stanzas.setdefault(uri, []).append(suite)
    text = "\n".join(
        f"Types: deb\nURIs: {uri}\nSuites: {' '.join(s)}\nComponents: main\n" + keyring
        for uri, s in stanzas.items()
    )
    return "etc/apt/sources.list.d/debian.sources", text


@dataclass(frozen=True)
class Standin:
    """What stands in for one public image name, and how faithfully."""

    ref: str  # as the student wrote it, with its tag: `ubuntu:22.04`
    kind: str  # debian, nginx, jupyter…
    image: str  # the local image tagged as `ref`: `local/debian:bullseye`
    release: str  # the release the stand-in's apt sources name: `bullseye`, `trusty`
    named: str  # what the real image is: `Ubuntu 22.04`, `nginx on Alpine`
    exact: bool  # apt sees the same archive as in the real image (same release)
    eol: bool = False  # a release the archive of the real image no longer serves
    distro: str = "Debian"  # the distribution `release` belongs to (Ubuntu when eol)

    @property
    def made_of(self) -> str:
        system = f"Debian {DEFAULT_RELEASE if self.eol else self.release}"
        return system if self.kind == "debian" else f"{self.kind} stand-in on {system}"

    def describe(self) -> str:
        """The report's entry: which release, and whether the verdict could depend on it."""
        if self.eol:
            return f"{self.distro} {self.release}, end of life: apt sources no longer served"
        if self.exact:
            return f"{self.made_of}, the release of the real image"
        return f"{self.made_of} for {self.named}: a build failing for that is not judged"


def plan(
    ref: str, mirror: Mirror | None, *, ubuntu: Callable[[str], ReleaseState] = ubuntu_release
) -> Standin | None:
    """The stand-in for `ref`, or None when there is none (an image the grader does not know,
    a Debian tag that names no release the mirror could give). `ubuntu(codename)` says
    whether the real `ubuntu` images' archive still serves a release (`ubuntu_release`)."""
    ref = with_tag(ref)
    repo, tag = repository(ref), tag_of(ref)
    if repo not in STANDINS:
        return None
    kind, image = STANDINS[repo]
    if kind in _ONE_VERSION and not _ONE_VERSION[kind].match(tag):
        return None  # `python:3.12`: the stand-in's Python is 3.11
    codename = ubuntu_codename(tag) if repo == "ubuntu" else None
    if codename is not None and ubuntu(codename) == "gone":  # its apt fails in the real image
        return Standin(
            ref,
            kind,
            f"local/ubuntu:{codename}",
            codename,
            f"Ubuntu {codename}",
            exact=True,
            eol=True,
            distro="Ubuntu",
        )
    distro = "Alpine" if "alpine" in tag.lower() else _DISTROS.get(repo, _DISTROS.get(kind, "?"))
    if repo != "debian":
        named = f"{distro} {tag}" if kind == "debian" else f"{repo} on {distro}"
        return Standin(ref, kind, image, DEFAULT_RELEASE, named, exact=False)
    codename = debian_codename(tag, alias=mirror.codename) if mirror else DEFAULT_RELEASE
    if codename is None or mirror is None:  # a tag naming no release: the default, approximately
        return Standin(ref, kind, BASE, DEFAULT_RELEASE, f"Debian ({tag})", exact=False)
    image = f"local/debian:{codename}"
    if mirror.serves(codename):
        return Standin(ref, kind, image, codename, f"Debian {codename}", exact=True)
    stable = mirror.codename("stable") or DEFAULT_RELEASE
    if _NUMBERS.get(codename, 99) < _NUMBERS.get(stable, 12):
        return Standin(ref, kind, image, codename, f"Debian {codename}", exact=True, eol=True)
    return None  # a future release: the real registry has no such image either


# --- builds that fail only because a stand-in is not the image the student named --------

_STEP_LINE = re.compile(r"^Step \d+/\d+ : (.*)$", re.M)
_ANSI = re.compile(r"\x1b\[[0-9;]*m")  # the classic builder colours what RUN writes on stderr
_PINNED = re.compile(r"E: Version '([^']+)' for '([^']+)' was not found")
_NO_CANDIDATE = re.compile(r"E: Package '([^']+)' has no installation candidate")
_NOT_LOCATED = re.compile(r"E: Unable to locate package (\S+)")
_APT_UPDATE = re.compile(r"\bapt(?:-get)?\s+(?:-\S+\s+)*update\b")
_OTHER_TOOLS = {"Alpine": ("apk",), "Oracle Linux": ("microdnf", "dnf", "yum")}
PackageNames = Callable[[Standin, str], Collection[str] | None]


@dataclass(frozen=True)
class _Step:
    instruction: str  # `RUN apt-get install -y cowsay`
    output: str  # what the step printed
    stage_steps: list[str]  # the instructions of its stage up to it, FROM first


def _failing_step(log: str) -> _Step | None:
    steps = list(_STEP_LINE.finditer(log))
    if not steps:
        return None
    stage: list[str] = []
    for step in steps:
        stage = (
            [step.group(1)]
            if step.group(1).upper().startswith("FROM ")
            else [*stage, step.group(1)]
        )
    return _Step(steps[-1].group(1).strip(), log[steps[-1].end() :], stage)


def _stage_base(step: _Step, log: str) -> str | None:
    """The image the failing step's stage starts from, following earlier stages' names."""
    if not step.stage_steps or not step.stage_steps[0].upper().startswith("FROM "):
        return None
    aliases = {}
    for line in _STEP_LINE.findall(log):
        match = _FROM.match(line)
        if match and match.group(2):
            aliases[match.group(2).lower()] = match.group(1)
    match = _FROM.match(step.stage_steps[0])
    ref = match.group(1) if match else ""
    for _ in range(len(aliases)):
        ref = aliases.get(ref.lower(), ref)
    return with_tag(ref)


def standin_excuse(
    build: BuildResult, standins: Sequence[Standin], *, packages: PackageNames | None = None
) -> Hint | None:
    """Why a failed build may be the stand-in's doing rather than the student's, as the hint
    `common.standin_cannot_judge`; None when the failure is the student's (it would fail with
    the real image too, or the stand-in is that very release).

    `packages(standin, prefix)` lists the stand-in's package names starting with `prefix`
    (None if unknown): a package apt cannot locate is a typo when a name close to it exists
    (`cowsey`), else it may exist only in the distribution the stand-in plays.
    """
    log = _ANSI.sub("", build.log)
    step = None if build.ok else _failing_step(log)
    if step is None or not step.instruction.upper().startswith("RUN "):
        return None
    ref = _stage_base(step, log)
    standin = next((s for s in standins if with_tag(s.ref) == ref), None)
    if standin is None and ref is None and len(standins) == 1:
        standin = standins[0]
    if standin is None or standin.exact:
        return None
    reason = _reason(step, standin, packages)
    if reason is None:
        return None
    details = "\n".join(log.rstrip().splitlines()[-25:])
    return hint(
        "common.standin_cannot_judge",
        tag=standin.ref,
        standin=standin.made_of,
        named=standin.named,
        reason=reason,
        details=details,
    )


def _reason(step: _Step, standin: Standin, packages: PackageNames | None) -> Hint | None:
    output, distro = step.output, standin.named
    if "Do you want to continue?" in output and "Abort" in output:
        return None  # `apt-get install` without -y: fails with every image
    pinned = _PINNED.search(output)
    if pinned:
        return hint(
            "common.standin_pinned_version", package=pinned.group(2), version=pinned.group(1)
        )
    candidate = _NO_CANDIDATE.search(output)
    if candidate:
        return hint("common.standin_package_elsewhere", package=candidate.group(1))
    missing = _NOT_LOCATED.search(output)
    if missing:
        return _missing_package(missing.group(1), step, standin, packages)
    command = step.instruction[4:]
    if "add-apt-repository" in command and "ppa:" in command and distro.startswith("Ubuntu"):
        return hint("common.standin_ppa", command="add-apt-repository")
    for system, tools in _OTHER_TOOLS.items():
        absent = [t for t in tools if re.search(rf"\b{t}\b", command) and _absent(t, output)]
        if system in distro and absent:
            return hint("common.standin_other_tool", tool=absent[0], distro=system)
    return None


def _absent(tool: str, output: str) -> bool:
    return re.search(rf"\b{tool}: (?:command )?not found", output) is not None


def _missing_package(
    package: str, step: _Step, standin: Standin, packages: PackageNames | None
) -> Hint | None:
    if not any(_APT_UPDATE.search(s) for s in step.stage_steps):
        return None  # no `apt-get update`: no image of a Debian-like system has package lists
    known = packages(standin, package[: max(2, len(package) // 2)]) if packages else None
    if known is None or difflib.get_close_matches(package, list(known), n=1, cutoff=0.8):
        return None  # a typo of a package that exists (or no way to tell): the student's
    return hint("common.standin_package_elsewhere", package=package)
