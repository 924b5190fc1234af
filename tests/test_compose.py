"""Reading and preparing Compose files without an engine: warnings, names Docker resolves,
the grader's copy of a stack."""

from __future__ import annotations

import json
from pathlib import Path

from grader.containers import compose
from grader.containers.limits import Limits

STDERR = (
    'time="2026-12-01T19:56:25Z" level=warning msg="/tmp/snap/ex2/compose.yaml: the attribute '
    '`version` is obsolete, it will be ignored, please remove it to avoid potential confusion"\n'
    'time="2026-12-01T19:56:25Z" level=warning msg="The \\"PORT\\" variable is not set. '
    'Defaulting to a blank string."\n'
)


def test_compose_warnings_read_as_the_student_wrote_the_file() -> None:
    assert compose.warnings(STDERR, Path("/tmp/snap/ex2")) == [
        "compose.yaml: the attribute `version` is obsolete, it will be ignored, please remove it"
        " to avoid potential confusion",
        'The "PORT" variable is not set. Defaulting to a blank string.',
    ]


def test_every_name_docker_resolves_for_a_service() -> None:
    config = {
        "services": {
            "db": {
                "container_name": "wp_mysql",
                "hostname": "DBHost",
                "networks": {"back": {"aliases": ["database"]}, "default": None},
            },
            "wordpress": {"links": ["db:mysqldb"]},
        }
    }
    assert compose.names(config, "db") == {"db", "wp_mysql", "dbhost", "database", "mysqldb"}


def test_a_renamed_container_name_stays_an_alias_unless_the_service_shares_a_network(
    tmp_path: Path,
) -> None:
    config = {
        "services": {
            "db": {"image": "mariadb", "container_name": "wp_db", "networks": {"back": None}},
            "probe": {"image": "busybox", "container_name": "probe", "network_mode": "service:db"},
        }
    }
    project = compose.prepare(
        config, name="grader-x-ex6", folder=tmp_path, labels={}, limits=Limits()
    )
    written = json.loads(project.file.read_text(encoding="utf-8"))["services"]
    assert written["db"]["networks"]["back"]["aliases"] == ["wp_db"]
    assert written["db"]["container_name"] == "grader-x-ex6-wp_db"
    assert "networks" not in written["probe"]


def test_system_folders_are_told_from_data_folders(tmp_path: Path) -> None:
    assert all(compose.is_system_path(p) for p in ("/", "/etc", "/etc/nginx", "/proc/1", "/usr"))
    assert not any(compose.is_system_path(p) for p in ("/srv/mysql", "/home/me/x", "/opt/data"))
    assert compose.rerooted("/srv/mysql", tmp_path) == tmp_path / "srv" / "mysql"


def test_a_services_build_is_the_graders_own_when_it_can_do_it(tmp_path: Path) -> None:
    """Compose's own build has none of the grader's limits (processes, time, disk): a service's
    `build:` the guarded build can do is done by the grader, and Compose runs that image."""
    config = {
        "services": {
            "web": {
                "build": {
                    "context": str(tmp_path),
                    "dockerfile": "Dockerfile.dev",
                    "args": {"V": 3, "EMPTY": None},
                    "target": "run",
                }
            },
            "cache": {"build": {"context": str(tmp_path), "secrets": ["token"]}},
            "redis": {"image": "redis"},
        }
    }
    guarded, left = compose.builds(config)
    assert guarded == [compose.ServiceBuild("web", tmp_path, "Dockerfile.dev", {"V": "3"}, "run")]
    assert left == ["cache"]
    project = compose.prepare(
        config,
        name="grader-t-ex17",
        folder=tmp_path,
        labels={"a": "b"},
        limits=Limits(),
        built={"web": "grader-t-ex17-web:latest"},
    )
    services = json.loads(project.file.read_text())["services"]
    assert services["web"]["image"] == "grader-t-ex17-web:latest" and "build" not in services["web"]
    assert services["cache"]["build"]["secrets"] == ["token"]  # left to Compose
