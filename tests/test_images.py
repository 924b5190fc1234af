from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from grader.containers import standins
from grader.containers.dockerfile import build_hint
from grader.containers.engine import BuildResult
from grader.containers.images import (
    Mirror,
    Standin,
    base_images,
    debian_codename,
    discover_mirror,
    plan,
    repository,
    sources,
    standin_excuse,
    ubuntu_archive,
    ubuntu_codename,
    ubuntu_release,
    ubuntu_sources,
    with_tag,
)

HTTP_STATUS = standins.http_status  # the real one (the fixture below replaces it)


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Unit tests never ask the Ubuntu archive: each one says what it answers."""

    def refuse(url: str, **_: object) -> int | None:
        raise AssertionError(f"a unit test asked the network for {url}")

    monkeypatch.setattr(standins, "http_status", refuse)
    monkeypatch.setattr(standins, "_UBUNTU_STATES", {})


@pytest.mark.parametrize(
    ("ref", "repo"),
    [
        ("nginx", "nginx"),
        ("nginx:1.25-alpine", "nginx"),
        ("docker.io/library/ubuntu:22.04", "ubuntu"),
        ("library/debian:bookworm-slim", "debian"),
        ("localhost:5000/team/app:1", "localhost:5000/team/app"),
        ("nginx@sha256:abc", "nginx"),
    ],
)
def test_repository_strips_registry_tag_and_digest(ref: str, repo: str) -> None:
    assert repository(ref) == repo


def test_with_tag_adds_latest_only_when_no_tag() -> None:
    assert with_tag("ubuntu") == "ubuntu:latest"
    assert with_tag("localhost:5000/app") == "localhost:5000/app:latest"
    assert with_tag("ubuntu:22.04") == "ubuntu:22.04"


def test_base_images_skips_scratch_build_stages_and_variables() -> None:
    dockerfile = (
        "ARG V=1\nFROM --platform=linux/amd64 golang:1.22 AS build\nRUN make\n"
        "from build as test\nFROM scratch\nFROM ubuntu:${V}\nFROM nginx:alpine\n"
    )
    assert base_images(dockerfile) == ["golang:1.22", "nginx:alpine"]


# --- Debian releases, mirrors and how faithful a stand-in is -------------------------------

ALIASES = {"stable": "trixie", "oldstable": "bookworm", "testing": "forky"}


@pytest.mark.parametrize(
    ("tag", "codename"),
    [
        ("11", "bullseye"),
        ("bullseye-slim", "bullseye"),
        ("12.8-slim", "bookworm"),
        ("13", "trixie"),
        ("stable", "trixie"),
        ("latest", "trixie"),
        ("stable-slim", "trixie"),
        ("oldstable", "bookworm"),
        ("bookworm-20240110-slim", "bookworm"),
        ("10.13", "buster"),
        ("8", "jessie"),
        ("sid", "sid"),
        ("unstable-slim", "sid"),
        ("testing", "forky"),
        ("bullseye-backports", "bullseye"),
        ("nonsense", None),
        ("99", None),
    ],
)
def test_a_debian_tag_names_its_release(tag: str, codename: str | None) -> None:
    assert debian_codename(tag, alias=ALIASES.get) == codename


class FakeMirror(Mirror):
    """A mirror serving the suites given, without the network."""

    def __init__(self, served: set[str], codenames: dict[str, str] | None = None) -> None:
        super().__init__("http://mirror.room/debian", "http://mirror.room/debian-security")
        object.__setattr__(self, "_served", served)
        object.__setattr__(self, "_codenames", codenames or ALIASES)

    def release(self, suite: str, *, security: bool = False) -> dict[str, str] | None:
        codename = self._codenames.get(suite, suite)  # type: ignore[attr-defined]
        return {"Codename": codename} if codename in self._served else None  # type: ignore[attr-defined]


MIRROR = FakeMirror(
    {
        "bullseye",
        "bookworm",
        "trixie",
        "forky",
        "sid",
        "bookworm-updates",
        "bookworm-security",
        "trixie-updates",
        "trixie-security",
        "bullseye-updates",
        "bullseye-security",
    }
)


# What the archive of the real ubuntu images answers for each release, as seen from here.
UBUNTU = {
    "trusty": "gone",
    "vivid": "gone",
    "xenial": "served",
    "focal": "served",
    "jammy": "served",
    "noble": "served",
}


def _ubuntu(codename: str) -> standins.ReleaseState:
    return UBUNTU.get(codename, "unknown")  # type: ignore[return-value]


def test_a_release_the_mirror_serves_gets_a_stand_in_of_that_release() -> None:
    standin = plan("debian:11", MIRROR)
    assert standin == Standin(
        "debian:11", "debian", "local/debian:bullseye", "bullseye", "Debian bullseye", exact=True
    )
    assert standin.describe() == "Debian bullseye, the release of the real image"
    assert plan("debian", MIRROR).image == "local/debian:trixie"  # type: ignore[union-attr]


def test_an_end_of_life_release_is_named_so_that_apt_fails_as_with_the_real_image() -> None:
    standin = plan("debian:buster-slim", MIRROR)
    assert standin is not None and standin.eol and standin.image == "local/debian:buster"
    assert standin.describe() == "Debian buster, end of life: apt sources no longer served"
    assert plan("debian:15", MIRROR) is None  # not released yet: no real image either


def test_another_distribution_is_played_by_the_default_release_and_says_so() -> None:
    ubuntu = plan("ubuntu:22.04", MIRROR, ubuntu=_ubuntu)
    assert ubuntu is not None and not ubuntu.exact and ubuntu.image == "local/debian:bookworm"
    assert ubuntu.describe() == (
        "Debian bookworm for Ubuntu 22.04: a build failing for that is not judged"
    )
    alpine = plan("nginx:1.25-alpine", MIRROR)
    assert alpine is not None and alpine.named == "nginx on Alpine"
    assert alpine.made_of == "nginx stand-in on Debian bookworm"
    assert plan("python:3.12", MIRROR) is None


def test_sources_are_those_of_the_real_image_on_the_room_mirror() -> None:
    def served(suite: str, security: bool) -> bool:
        return MIRROR.serves(suite, security=security)

    assert sources("bullseye", MIRROR, served=served) == (
        "etc/apt/sources.list",
        (
            "deb http://mirror.room/debian bullseye main\n"
            "deb http://mirror.room/debian bullseye-updates main\n"
            "deb http://mirror.room/debian-security bullseye-security main\n"
        ),
    )
    path, text = sources("trixie", MIRROR, served=served)
    assert path == "etc/apt/sources.list.d/debian.sources"
    assert "URIs: http://mirror.room/debian\nSuites: trixie trixie-updates\n" in text
    assert "URIs: http://mirror.room/debian-security\nSuites: trixie-security\n" in text
    assert sources("buster", MIRROR, served=lambda s, sec: True)[1] == (
        "deb http://mirror.room/debian buster main\n"
        "deb http://mirror.room/debian buster-updates main\n"
        "deb http://mirror.room/debian-security buster/updates main\n"
    )
    assert "Suites: forky\n" in sources("forky", MIRROR, served=lambda s, sec: False)[1]


def test_the_mirror_is_the_one_the_machines_apt_uses_deb822_or_one_line(tmp_path: Path) -> None:
    (tmp_path / "sources.list.d").mkdir()
    (tmp_path / "sources.list.d" / "docker.list").write_text(
        "deb [arch=amd64] https://download.docker.com/linux/debian bookworm stable\n"
    )
    (tmp_path / "sources.list.d" / "debian.sources").write_text(
        "Types: deb\nURIs: http://mirror.room/debian\nSuites: bookworm bookworm-updates\n"
        "Components: main\n\nTypes: deb\nURIs: http://mirror.room/security\n"
        "Suites: bookworm-security\nComponents: main contrib\n"
    )
    assert discover_mirror(env={}, apt_dir=tmp_path) == Mirror(
        "http://mirror.room/debian", "http://mirror.room/security"
    )
    (tmp_path / "sources.list.d" / "debian.sources").unlink()
    (tmp_path / "sources.list").write_text(
        "# the room\ndeb http://10.0.0.5/debian/ bullseye main contrib\n"
        "deb http://10.0.0.5/debian-security bullseye-security main\n"
    )
    assert discover_mirror(env={}, apt_dir=tmp_path) == Mirror(
        "http://10.0.0.5/debian/", "http://10.0.0.5/debian-security"
    )


def test_a_mirror_setting_wins_and_no_mirror_at_all_is_none(tmp_path: Path) -> None:
    env = {"GRADER_DEBIAN_MIRROR": "http://m/debian"}
    assert discover_mirror(env=env, apt_dir=tmp_path) == Mirror("http://m/debian", None)
    (tmp_path / "sources.list").write_text("deb http://archive.ubuntu.com/ubuntu jammy main\n")
    assert discover_mirror(env={}, apt_dir=tmp_path) is None


# Build logs as the classic builder writes them (stderr lines coloured).
def _log(base: str, run: str, output: str) -> BuildResult:
    log = (
        f"Step 1/2 : FROM {base}\n ---> 88383ce85486\nStep 2/2 : RUN {run}\n"
        f" ---> Running in 9694dcedd5f7\n{output}Removing intermediate container 9694dcedd5f7\n"
        f"The command '/bin/sh -c {run}' returned a non-zero code: 100\n"
    )
    return BuildResult(False, None, log, f"The command '/bin/sh -c {run}' returned a non-zero code")


UPDATE = (
    "Get:1 http://deb.debian.org/debian bookworm InRelease [151 kB]\n"
    "Fetched 12.2 MB in 1s (8931 kB/s)\nReading package lists...\n"
)
PINNED = UPDATE + (
    "Reading package lists...\nBuilding dependency tree...\n"
    "Package cowsay is not available, but is referred to by another package.\n"
    "\x1b[91mE\x1b[0m\x1b[91m: \x1b[0m\x1b[91mVersion '3.03+dfsg2-7' for 'cowsay' was not found"
    "\x1b[0m\x1b[91m\n\x1b[0m"
)


def _excuse(
    base: str,
    run: str,
    output: str,
    packages: set[str] | None = None,
    *,
    archive: Callable[[str], standins.ReleaseState] = _ubuntu,
) -> str | None:
    standin = plan(base, MIRROR, ubuntu=archive)
    assert standin is not None
    found = standin_excuse(_log(base, run, output), [standin], packages=lambda s, prefix: packages)
    if found is None:
        return None
    assert found.key == "common.standin_cannot_judge" and found.params["tag"] == standin.ref
    return str(found.params["reason"].key)


def test_an_ubuntu_package_version_on_the_debian_stand_in_is_not_judged() -> None:
    run = "apt-get update && apt-get install -y cowsay=3.03+dfsg2-7"
    assert _excuse("ubuntu:20.04", run, PINNED) == "common.standin_pinned_version"
    assert _excuse("debian:bookworm", run, PINNED) is None  # the same release: the student's


def test_a_package_of_another_distribution_is_not_judged_a_typo_is() -> None:
    elsewhere = UPDATE + "\x1b[91mE: Package 'python-pip' has no installation candidate\n"
    assert (
        _excuse("ubuntu:16.04", "apt-get update && apt-get install -y python-pip", elsewhere)
        == "common.standin_package_elsewhere"
    )
    typo = UPDATE + "\x1b[91mE: Unable to locate package cowsey\n"
    run = "apt-get update && apt-get -y install cowsey"
    assert _excuse("ubuntu", run, typo, packages={"cowsay", "cowsay-off", "coq"}) is None
    assert _excuse("ubuntu", run, typo, packages=None) is None  # cannot tell: the student's
    assert _excuse("debian:bookworm", run, typo, packages={"coq"}) is None
    other = UPDATE + "E: Unable to locate package ubuntu-restricted-extras\n"
    assert (
        _excuse(
            "ubuntu",
            "apt-get update && apt-get install -y ubuntu-restricted-extras",
            other,
            packages={"ubuntu-dev-tools"},
        )
        == "common.standin_package_elsewhere"
    )


def test_what_fails_with_every_image_stays_the_students() -> None:
    no_update = "E: Unable to locate package cowsay\n"
    assert _excuse("ubuntu", "apt-get -y install cowsay", no_update, packages={"x"}) is None
    no_yes = "Do you want to continue? [Y/n] Abort.\nThe command returned a non-zero code: 1\n"
    assert _excuse("ubuntu:20.04", "apt-get update && apt-get install cowsay", no_yes) is None
    apk = "\x1b[91m/bin/sh: 1: apk: not found\n\x1b[0m"
    assert _excuse("ubuntu:22.04", "apk add curl", apk) is None  # Ubuntu has no apk either


def test_alpine_tools_and_ubuntu_ppas_on_the_debian_stand_in_are_not_judged() -> None:
    apk = "\x1b[91m/bin/sh: 1: apk: not found\n\x1b[0m"
    assert _excuse("nginx:alpine", "apk add --no-cache curl", apk) == "common.standin_other_tool"
    assert _excuse("alpine:3.19", "apk add curl", apk) == "common.standin_other_tool"
    ppa = "AttributeError: 'NoneType' object has no attribute 'people'\n"
    assert (
        _excuse("ubuntu:22.04", "add-apt-repository -y ppa:deadsnakes/ppa", ppa)
        == "common.standin_ppa"
    )


def test_the_failing_stage_decides_in_a_multi_stage_build() -> None:
    log = (
        "Step 1/5 : FROM ubuntu:20.04 AS build\n ---> 88383ce85486\nStep 2/5 : RUN echo hi > /x\n"
        "Step 3/5 : FROM debian:bookworm\n ---> 88383ce85486\nStep 4/5 : COPY --from=build /x /x\n"
        "Step 5/5 : RUN apt-get update && apt-get install -y cowsay=3.03+dfsg2-7\n" + PINNED
    )
    found = [plan("ubuntu:20.04", MIRROR, ubuntu=_ubuntu), plan("debian:bookworm", MIRROR)]
    build = BuildResult(False, None, log, "returned a non-zero code: 100")
    assert standin_excuse(build, found) is None  # type: ignore[arg-type]
    upside_down = log.replace("ubuntu:20.04 AS build", "debian:bookworm AS build").replace(
        "FROM debian:bookworm\n", "FROM build\n"
    )
    build = BuildResult(False, None, upside_down, "returned a non-zero code: 100")
    assert standin_excuse(build, [plan("debian:bookworm", MIRROR)]) is None  # type: ignore[list-item]
    steps_on_ubuntu = upside_down.replace("debian:bookworm AS build", "ubuntu:20.04 AS build")
    build = BuildResult(False, None, steps_on_ubuntu, "returned a non-zero code: 100")
    assert standin_excuse(build, [plan("ubuntu:20.04", MIRROR, ubuntu=_ubuntu)]) is not None  # type: ignore[list-item]


def test_an_end_of_life_release_fails_with_its_own_hint(tmp_path: Path) -> None:
    output = (
        "Err:4 http://deb.debian.org/debian buster Release\n  404  Not Found [IP: 1.2.3.4 80]\n"
        "\x1b[91mE: The repository 'http://deb.debian.org/debian buster Release' does not have "
        "a Release file.\n"
    )
    build = _log("debian:buster", "apt-get update && apt-get install -y cowsay", output)
    assert standin_excuse(build, [plan("debian:buster", MIRROR)]) is None  # type: ignore[list-item]
    (tmp_path / "Dockerfile").write_text("FROM debian:buster\nRUN apt-get update\n")
    found = build_hint(build, tmp_path / "Dockerfile")
    assert found.key == "common.build_release_gone"
    assert found.params["suite"] == "buster"
    assert found.params["repository"] == "http://deb.debian.org/debian"


def test_a_byte_order_mark_does_not_hide_the_first_from() -> None:
    from grader.containers.dockerfile import instructions

    text = "\ufeffFROM nginx:1.27\r\nCOPY index.html /usr/share/nginx/html/\r\n"
    assert base_images(text) == ["nginx:1.27"]
    assert [i.keyword for i in instructions(text)] == ["FROM", "COPY"]


# --- end-of-life Ubuntu releases: the archive of the real image decides ---------------------


@pytest.mark.parametrize(
    ("tag", "codename"),
    [
        ("14.04", "trusty"),
        ("16.04.7", "xenial"),
        ("22.04", "jammy"),
        ("jammy-20240911", "jammy"),
        ("noble-20241015.1", "noble"),
        ("trusty", "trusty"),
        ("vivid", "vivid"),
        ("xenial", "xenial"),
        ("bionic", "bionic"),
        ("focal", "focal"),
        ("15.04", "vivid"),
        ("24.04", "noble"),
        ("latest", None),
        ("rolling", None),
        ("devel", None),
        ("99.04", None),
        ("nonsense", None),
        ("22.04-slim", None),
    ],
)
def test_an_ubuntu_tag_names_its_release(tag: str, codename: str | None) -> None:
    assert ubuntu_codename(tag) == codename


def test_a_404_from_the_archive_means_gone_and_only_a_404() -> None:
    asked: list[str] = []

    def answers(status: int | None, noble: int | None = 200) -> Callable[[str], int | None]:
        def fetch(url: str) -> int | None:
            asked.append(url)
            return noble if "/dists/noble/" in url else status

        return fetch

    archive = "http://archive.ubuntu.com/ubuntu"
    assert ubuntu_release("trusty", archive=archive, fetch=answers(404)) == "gone"
    assert asked == [
        "http://archive.ubuntu.com/ubuntu/dists/trusty/Release",
        "http://archive.ubuntu.com/ubuntu/dists/noble/Release",
    ]
    assert ubuntu_release("jammy", archive=archive, fetch=answers(200)) == "served"
    for status in (None, 403, 500, 503, 301):  # unreachable (air-gapped room) or odd: unknown
        assert ubuntu_release("trusty", archive=archive, fetch=answers(status)) == "unknown"
    # something answering 404 for everything (a proxy, a captive portal) is not the archive
    for noble in (404, None, 500):
        assert ubuntu_release("trusty", archive=archive, fetch=answers(404, noble)) == "unknown"
    assert ubuntu_release("noble", archive=archive, fetch=answers(404, 404)) == "unknown"


def test_the_archive_is_the_real_images_unless_overridden() -> None:
    assert ubuntu_archive({}) == "http://archive.ubuntu.com/ubuntu"
    room = {"GRADER_UBUNTU_ARCHIVE": "http://10.0.0.5/ubuntu/"}
    assert ubuntu_archive(room) == "http://10.0.0.5/ubuntu"


def test_the_archives_answer_is_asked_once_per_process(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[str] = []

    def status(url: str, **_: object) -> int | None:
        asked.append(url)
        return 200 if "/noble/" in url else 404

    monkeypatch.setattr(standins, "http_status", status)
    archive = "http://archive.ubuntu.com/ubuntu"
    assert ubuntu_release("trusty", archive=archive) == "gone"
    assert ubuntu_release("vivid", archive=archive) == ubuntu_release("trusty", archive=archive)
    assert asked == [f"{archive}/dists/{name}/Release" for name in ("trusty", "noble", "vivid")]


def test_http_status_of_a_file_archive(tmp_path: Path) -> None:
    (tmp_path / "dists" / "noble").mkdir(parents=True)
    (tmp_path / "dists" / "noble" / "Release").write_text("Codename: noble\n")
    assert HTTP_STATUS(f"file://{tmp_path}/dists/noble/Release") == 200
    assert HTTP_STATUS(f"file://{tmp_path}/dists/trusty/Release") == 404


def test_a_gone_ubuntu_release_gets_sources_naming_it_as_the_real_image_does() -> None:
    standin = plan("ubuntu:14.04", MIRROR, ubuntu=_ubuntu)
    assert standin == Standin(
        "ubuntu:14.04",
        "debian",
        "local/ubuntu:trusty",
        "trusty",
        "Ubuntu trusty",
        exact=True,
        eol=True,
        distro="Ubuntu",
    )
    assert standin.describe() == "Ubuntu trusty, end of life: apt sources no longer served"
    assert plan("ubuntu:vivid", MIRROR, ubuntu=_ubuntu).eol  # type: ignore[union-attr]
    assert ubuntu_sources("trusty", "http://archive.ubuntu.com/ubuntu") == (
        "deb http://archive.ubuntu.com/ubuntu trusty main restricted universe multiverse\n"
        "deb http://archive.ubuntu.com/ubuntu trusty-updates main restricted universe multiverse\n"
        "deb http://archive.ubuntu.com/ubuntu trusty-security main restricted universe multiverse\n"
    )


def test_a_served_or_unknown_ubuntu_release_is_played_by_debian_as_before() -> None:
    served = plan("ubuntu:16.04", MIRROR, ubuntu=_ubuntu)
    assert served is not None and not served.eol and served.image == "local/debian:bookworm"
    offline = plan("ubuntu:14.04", MIRROR, ubuntu=lambda codename: "unknown")
    assert offline is not None and not offline.eol and not offline.exact
    assert offline.describe() == (
        "Debian bookworm for Ubuntu 14.04: a build failing for that is not judged"
    )

    def never(codename: str) -> standins.ReleaseState:
        raise AssertionError(codename)

    assert plan("ubuntu", MIRROR, ubuntu=never).image == "local/debian:bookworm"  # type: ignore[union-attr]
    assert plan("ubuntu:rolling", MIRROR, ubuntu=never) is not None


UBUNTU_GONE = (
    "Ign:1 http://archive.ubuntu.com/ubuntu trusty InRelease\n"
    "Err:4 http://archive.ubuntu.com/ubuntu trusty Release\n  404  Not Found [IP: 1.2.3.4 80]\n"
    "\x1b[91mE: The repository 'http://archive.ubuntu.com/ubuntu trusty Release' does not have "
    "a Release file.\n"
)


def test_a_build_on_a_gone_ubuntu_release_fails_as_with_the_real_image(tmp_path: Path) -> None:
    run = "apt-get update && apt-get install -y cowsay"
    assert _excuse("ubuntu:14.04", run, UBUNTU_GONE) is None
    # and what fails with every image stays the student's there too
    assert (
        _excuse(
            "ubuntu:14.04",
            "apt-get -y install cowsay",
            "E: Unable to locate package cowsay\n",
            packages={"x"},
        )
        is None
    )
    (tmp_path / "Dockerfile").write_text("FROM ubuntu:14.04\nRUN apt-get update\n")
    found = build_hint(_log("ubuntu:14.04", run, UBUNTU_GONE), tmp_path / "Dockerfile")
    assert found.key == "common.build_release_gone"
    assert (found.params["repository"], found.params["suite"]) == (
        "http://archive.ubuntu.com/ubuntu",
        "trusty",
    )


def test_the_old_apt_of_the_real_image_says_404_and_gets_the_same_hint(tmp_path: Path) -> None:
    output = (
        "Err http://archive.ubuntu.com trusty/main amd64 Packages\n  404  Not Found\n"
        "W: Failed to fetch http://archive.ubuntu.com/ubuntu/dists/trusty/main/binary-amd64/"
        "Packages  404  Not Found\n\n"
        "E: Some index files failed to download. They have been ignored, or old ones used instead.\n"
    )
    (tmp_path / "Dockerfile").write_text("FROM ubuntu:14.04\nRUN apt-get update\n")
    found = build_hint(_log("ubuntu:14.04", "apt-get update", output), tmp_path / "Dockerfile")
    assert found.key == "common.build_release_gone"
    assert (found.params["repository"], found.params["suite"]) == (
        "http://archive.ubuntu.com/ubuntu",
        "trusty",
    )


def test_phpmyadmin_and_adminer_have_stand_ins_but_not_their_fastcgi_tags() -> None:
    for ref in ("phpmyadmin:5.2", "phpmyadmin/phpmyadmin", "adminer", "adminer:4.8.1-standalone"):
        standin = plan(ref, MIRROR)
        assert standin is not None and standin.kind in ("phpmyadmin", "adminer"), ref
    assert plan("phpmyadmin:fpm-alpine", MIRROR) is None  # FastCGI on 9000, not a web server
    assert plan("adminer:4-fastcgi", MIRROR) is None
    adminer = plan("adminer:latest", MIRROR)
    assert adminer is not None and adminer.named == "adminer on Alpine"
