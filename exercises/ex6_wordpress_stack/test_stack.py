"""Checks of exercise 6: WordPress and its database with Compose (seed 001 DOCKER-COMPOSE)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import docker.errors
import pytest

from grader import authoring
from grader.authoring import (
    Client,
    Exercise,
    Hint,
    HttpResponse,
    NotAttempted,
    checks,
    compose,
    declared,
    hint,
    published_ports,
    published_url,
    repository,
    tail,
)

DATABASES = ("mariadb", "mysql")
DB_ERROR = "Error establishing a database connection"
DATA_DIR = "/var/lib/mysql"
# WordPress variable → the database image's variables that must agree with it
PAIRS = {
    "WORDPRESS_DB_USER": ("USER",),
    "WORDPRESS_DB_PASSWORD": ("PASSWORD",),
    "WORDPRESS_DB_NAME": ("DATABASE",),
}
DEFAULTS = {  # the official image's defaults
    "WORDPRESS_DB_HOST": "mysql",
    "WORDPRESS_DB_USER": "example username",
    "WORDPRESS_DB_PASSWORD": "example password",
    "WORDPRESS_DB_NAME": "wordpress",
}
# Run an SQL statement in the database container with its own root password.
SQL = (
    'c="$(command -v mariadb || command -v mysql)"; '
    'p="${MARIADB_ROOT_PASSWORD:-$MYSQL_ROOT_PASSWORD}"; '
    '"$c" -uroot ${p:+-p"$p"} -N -e "$1"'
)


@dataclass(frozen=True)
class Stack:
    db: str
    db_spec: dict[str, Any]
    web: str
    web_spec: dict[str, Any]
    db_names: frozenset[str]  # every name that reaches the database on the stack's network

    def wordpress(self, name: str) -> str:
        return compose.environment(self.web_spec).get(name, DEFAULTS[name])

    def database(self, name: str) -> str | None:
        env = compose.environment(self.db_spec)
        return env.get(f"MARIADB_{name}", env.get(f"MYSQL_{name}"))

    @property
    def db_host(self) -> str:
        return self.wordpress("WORDPRESS_DB_HOST").split(":", 1)[0]


def _service(services: dict[str, Any], repositories: tuple[str, ...]) -> str | None:
    return next(
        (n for n, s in services.items() if repository(s.get("image", "")) in repositories), None
    )


@pytest.fixture(scope="module")
def stack(valid_compose_config: dict[str, Any]) -> Stack:
    services = valid_compose_config.get("services") or {}
    db, web = _service(services, DATABASES), _service(services, ("wordpress",))
    if db is None or web is None:
        raise NotAttempted(hint("ex6.services_missing_prerequisite"))
    names = frozenset(compose.names(valid_compose_config, db))
    return Stack(db, services[db], web, services[web], names)


def web_mappings(config: dict[str, Any], stack: Stack) -> list[tuple[str | None, str | None]]:
    """The (host, container) ports the WordPress service publishes."""
    return [(h, t) for s, h, t in compose.ports(config) if s == stack.web]


HINT_KEYS = ("ex6.mismatch_name", "ex6.mismatch_user", "ex6.mismatch_password")


def credentials_hint(stack: Stack) -> Hint | None:
    for variable, names in PAIRS.items():
        wanted = stack.wordpress(variable)
        if variable == "WORDPRESS_DB_PASSWORD" and stack.wordpress("WORDPRESS_DB_USER") == "root":
            names = ("ROOT_PASSWORD",)
        if variable == "WORDPRESS_DB_USER" and wanted == "root":
            continue
        found = [stack.database(n) for n in names]
        if wanted not in found:
            return hint(
                declared(f"ex6.mismatch_{variable.rsplit('_', 1)[1].lower()}", HINT_KEYS),
                variable=variable,
                db=stack.db,
                expected=f"MARIADB_{names[0]}",
            )
    return None


def sql(container: Any, statement: str) -> tuple[int, str]:
    try:
        done = container.exec_run(["sh", "-c", SQL, "sql", statement])
    except docker.errors.APIError as error:  # e.g. the container is restarting
        return 1, str(error.explanation or error)
    return int(done.exit_code), done.output.decode("utf-8", "replace").strip()


def down_hint(container: Any, stack: Stack) -> Hint | None:
    """Why the database container is not up, or None when it runs."""
    if container is None:
        return hint("ex6.db_not_running", db=stack.db)
    container.reload()
    if container.status == "running" and not container.attrs["State"].get("Restarting"):
        return None
    logs = container.logs().decode("utf-8", "replace")
    return hint("ex6.db_not_running", db=stack.db, details=tail(logs, 10))


def sql_when_ready(get: Callable[[], Any], statement: str, deadline: float) -> tuple[int, str]:
    stop = time.monotonic() + deadline
    while True:
        container = get()
        code, out = sql(container, statement) if container else (1, "no container")
        if code == 0 or time.monotonic() > stop:
            return code, out
        time.sleep(1)


@pytest.fixture(scope="module")
def db_container(
    running_stack: compose.Project, stack: Stack, docker_client: Client
) -> Callable[[], Any]:
    return lambda: compose.service_container(docker_client, running_stack.name, stack.db)


@dataclass
class FrontPage:
    response: HttpResponse
    db_down: Hint | None  # set when the database container stopped running


@pytest.fixture(scope="module")
def front_page(
    running_stack: compose.Project,
    stack: Stack,
    db_container: Callable[[], Any],
    docker_client: Client,
    http_probe: Callable[..., HttpResponse],
    exercise: Exercise,
) -> FrontPage:
    """WordPress's answer once it reaches its database, or as soon as it is clear it won't:
    the database container is down, or it answers SQL while WordPress still cannot connect."""
    container = compose.service_container(docker_client, running_stack.name, stack.web)
    ports = dict(published_ports(container)) if container else {}
    if "80" not in ports:
        return FrontPage(HttpResponse("/", None, error="port 80 is not published"), None)
    url = published_url(ports["80"])
    stop = time.monotonic() + exercise.params["ready_seconds"]
    strikes = 0
    while True:
        response = http_probe(url, deadline=10)
        if response.status == 200 and DB_ERROR not in response.text:
            return FrontPage(response, None)
        down = down_hint(db_container(), stack)
        db_ready = down is None and sql(db_container(), "SELECT 1;")[0] == 0
        strikes = strikes + 1 if down is not None or db_ready else 0
        if strikes >= 3 or time.monotonic() > stop:
            return FrontPage(response, down)
        time.sleep(1)


# --- the file -------------------------------------------------------------------------------


test_compose_file_is_present = authoring.test_compose_file_is_present
test_compose_file_is_valid = authoring.test_compose_file_is_valid
test_compose_gives_no_warning = authoring.test_compose_gives_no_warning
test_host_folders_stay_in_the_exercise = authoring.test_host_folders_stay_in_the_exercise


@pytest.mark.points(1)
def test_wordpress_and_database_services(valid_compose_config: dict[str, Any]) -> None:
    """Un service WordPress et un service MariaDB/MySQL
    en: A WordPress service and a MariaDB/MySQL service"""
    services = valid_compose_config.get("services") or {}
    images = compose.service_images(valid_compose_config) or ["—"]
    assert _service(services, DATABASES), hint("ex6.no_database", found=", ".join(images))
    assert _service(services, ("wordpress",)), hint("ex6.no_wordpress", found=", ".join(images))


@pytest.mark.points(2)
def test_db_host_names_the_database_service(stack: Stack) -> None:
    """WORDPRESS_DB_HOST désigne le service de la base
    en: WORDPRESS_DB_HOST names the database service"""
    host = stack.db_host
    assert "WORDPRESS_DB_HOST" in compose.environment(stack.web_spec), hint(
        "ex6.no_db_host", db=stack.db
    )
    assert host not in ("localhost", "127.0.0.1"), hint("ex6.localhost", db=stack.db)
    assert host.lower() in stack.db_names, hint(
        "ex6.wrong_db_host", found=host, db=stack.db, names=", ".join(sorted(stack.db_names))
    )


@pytest.mark.points(2)
def test_credentials_match(stack: Stack) -> None:
    """Utilisateur, mot de passe et base identiques des deux côtés
    en: Same user, password and database on both sides"""
    problem = credentials_hint(stack)
    assert problem is None, problem


@pytest.mark.practice
@pytest.mark.points(1)
def test_credentials_come_from_the_environment(stack: Stack) -> None:
    """Les identifiants sont passés par variables d'environnement
    en: Credentials are passed as environment variables"""
    root = stack.database("ROOT_PASSWORD") is not None or any(
        stack.database(n) is not None for n in ("ALLOW_EMPTY_ROOT_PASSWORD", "RANDOM_ROOT_PASSWORD")
    )
    assert root, hint("ex6.no_root_password", db=stack.db)
    assert "WORDPRESS_DB_PASSWORD" in compose.environment(stack.web_spec), hint(
        "ex6.no_wordpress_password", web=stack.web
    )


@pytest.mark.points(2)
def test_database_data_is_on_a_volume(stack: Stack) -> None:
    """Les données de la base sont sur un volume
    en: The database data is on a volume"""
    targets = [str(m.get("target", "")).rstrip("/") for m in compose.mounts(stack.db_spec)]
    assert DATA_DIR in targets, hint("ex6.no_data_volume", db=stack.db, path=DATA_DIR)


@pytest.mark.practice
@pytest.mark.points(1)
def test_wordpress_depends_on_the_database(stack: Stack) -> None:
    """wordpress dépend de la base (depends_on)
    en: wordpress depends on the database (depends_on)"""
    assert stack.db in (stack.web_spec.get("depends_on") or {}), hint(
        "ex6.no_depends_on", web=stack.web, db=stack.db
    )


# --- the running stack ----------------------------------------------------------------------


@pytest.mark.points(2)
def test_stack_starts(compose_project: tuple[compose.Project, compose.CommandResult]) -> None:
    """La stack démarre (docker compose up)
    en: The stack starts (docker compose up)"""
    _, up = compose_project
    checks.assert_stack_started(up, "ex6.stack_failed")


@pytest.mark.practice
@pytest.mark.points(1)
def test_wordpress_is_published_on_port_8000(
    valid_compose_config: dict[str, Any], stack: Stack, exercise: Exercise
) -> None:
    """WordPress est publié sur le port 8000 de l'hôte, comme dans l'énoncé
    en: WordPress is published on host port 8000, as in the statement"""
    problem = checks.port_hint(
        web_mappings(valid_compose_config, stack), exercise.params["host_port"], "80"
    )
    assert problem is None, problem


@pytest.mark.points(2)
def test_wordpress_answers_and_reaches_its_database(
    front_page: FrontPage, valid_compose_config: dict[str, Any], stack: Stack, exercise: Exercise
) -> None:
    """WordPress répond sur le port publié et atteint sa base
    en: WordPress answers on its published port and reaches its database"""
    mappings = web_mappings(valid_compose_config, stack)
    if not any(t == "80" for _, t in mappings):  # any host port will do: 8080:80 works
        problem = checks.port_hint(mappings, exercise.params["host_port"], "80")
        assert problem is None, problem
    page = front_page.response
    assert page.status is not None, hint("ex6.no_answer", error=page.error)
    assert front_page.db_down is None, front_page.db_down
    assert DB_ERROR not in page.text, hint("ex6.db_connection_error")
    assert page.status == 200 and "WordPress" in page.text, hint(
        "ex6.not_wordpress", status=page.status, details=page.text[:500]
    )


@pytest.mark.points(2)
def test_wordpress_resolves_the_database_by_name(
    running_stack: compose.Project, stack: Stack, docker_client: Client
) -> None:
    """Le conteneur WordPress résout le nom du service de la base
    en: The WordPress container resolves the database service's name"""
    container = compose.service_container(docker_client, running_stack.name, stack.web)
    assert container is not None, hint("ex6.stack_failed")
    if stack.db_host.lower() in stack.db_names:
        down = down_hint(
            compose.service_container(docker_client, running_stack.name, stack.db), stack
        )
        assert down is None, down
    done = container.exec_run(["getent", "hosts", stack.db_host])
    assert done.exit_code == 0, hint("ex6.name_not_resolved", name=stack.db_host, db=stack.db)


@pytest.mark.points(2)
def test_database_data_survives_down_and_up(
    running_stack: compose.Project,
    db_container: Callable[[], Any],
    front_page: FrontPage,
    stack: Stack,
    exercise: Exercise,
) -> None:
    """Les données de la base survivent à docker compose down puis up
    en: The database data survives docker compose down then up"""
    deadline = exercise.params["ready_seconds"]
    assert front_page.db_down is None, front_page.db_down
    code, out = sql_when_ready(
        db_container,
        "CREATE DATABASE IF NOT EXISTS grader_probe; CREATE TABLE IF NOT EXISTS "
        "grader_probe.t (v INT); INSERT INTO grader_probe.t VALUES (42);",
        deadline,
    )
    assert code == 0, hint("ex6.sql_failed", details=tail(out))
    again = running_stack.recreate()
    assert again.ok, hint("ex6.stack_failed", details=tail(again.output))
    code, out = sql_when_ready(db_container, "SELECT 1;", deadline)
    assert code == 0, hint("ex6.sql_failed", details=tail(out))
    code, out = sql(db_container(), "SELECT v FROM grader_probe.t;")
    assert code == 0 and "42" in out, hint("ex6.data_lost", path=DATA_DIR, details=tail(out))
