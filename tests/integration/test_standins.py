"""Offline stand-ins behave like the image the student named, or say they cannot: real builds
on the engine (a Debian release other than the default is debootstrapped once, ~1 min, then
kept as `local/debian:<codename>`)."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from grader.containers import images
from grader.containers.engine import BuildResult, Client, build_image
from grader.grading.runner import grade
from grader.model.catalogue import Catalogue
from grader.model.labels import labels
from grader.model.results import ExerciseResult
from tests.helpers.repos import make_repo

pytestmark = pytest.mark.docker
LABELS = labels("standin-test")  # what `grader clean` finds, should a test be killed


def _build(engine: Client, tmp_path: Path, dockerfile: str) -> BuildResult:
    (tmp_path / "Dockerfile").write_text(dockerfile, encoding="utf-8")
    for ref in images.base_images(dockerfile):
        images.ensure_standin(engine, ref)
    tag = f"grader-standin-test-{tmp_path.name.lower()}:latest"
    result = build_image(engine, tmp_path, tag=tag)
    if result.ok:
        engine.images.remove(tag, force=True)
    return result


def _grade_ex1(tmp_path: Path, dockerfile: str) -> ExerciseResult:
    source = tmp_path / "ex1"
    source.mkdir()
    (source / "Dockerfile").write_text(dockerfile, encoding="utf-8")
    catalogue = Catalogue.load()
    exercise = catalogue.get("ex1")
    repo = make_repo(tmp_path / "student", {exercise.submission: source})
    return grade([exercise], root=repo, catalogue=catalogue).exercises[0]


def test_a_bullseye_image_really_is_bullseye(engine: Client, tmp_path: Path) -> None:
    build = _build(
        engine, tmp_path, "FROM debian:bullseye-slim\nRUN grep -q bullseye /etc/os-release\n"
    )
    assert build.ok, build.log
    sources = engine.containers.run(
        "debian:bullseye-slim", ["cat", "/etc/apt/sources.list"], remove=True
    ).decode()
    mirror = images.discover_mirror()
    assert mirror is not None and f"deb {mirror.archive} bullseye main" in sources


def test_apt_get_update_on_buster_fails_as_with_the_real_image(
    engine: Client, tmp_path: Path
) -> None:
    build = _build(engine, tmp_path, "FROM debian:buster\nRUN apt-get update\n")
    assert not build.ok
    assert "buster Release' does not have a Release file" in build.log
    assert "returned a non-zero code: 100" in (build.error or "")


def test_an_ubuntu_package_version_is_not_attempted_offline_never_failed(
    tmp_path: Path, engine: Client
) -> None:
    result = _grade_ex1(
        tmp_path,
        "FROM ubuntu:20.04\nRUN apt-get update && apt-get install -y cowsay=3.03+dfsg2-7\n",
    )
    checks = {c.name: c for c in result.checks}
    build = checks["test_image_builds"]
    assert (build.status, build.hint_key) == ("not_attempted", "common.standin_cannot_judge")
    assert "ubuntu:20.04" in (build.hint or "") and "3.03+dfsg2-7" in (build.hint or "")
    assert not [c for c in result.checks if c.status == "failed"]
    assert result.verdict() == "not_judged"  # neither validated nor failed
    assert any(
        s.startswith("ubuntu:20.04 (Debian bookworm for Ubuntu 20.04") for s in result.standins
    )


def test_a_misspelled_package_on_debian_bookworm_still_fails(
    tmp_path: Path, engine: Client
) -> None:
    result = _grade_ex1(
        tmp_path, "FROM debian:bookworm\nRUN apt-get update && apt-get install -y cowsey\n"
    )
    build = next(c for c in result.checks if c.name == "test_image_builds")
    assert (build.status, build.hint_key) == ("failed", "common.build_unknown_package")
    assert "debian:bookworm (Debian bookworm, the release of the real image)" in result.standins


def test_an_end_of_life_ubuntu_fails_as_with_the_real_image_a_supported_one_builds(
    tmp_path: Path, engine: Client
) -> None:
    if images.ubuntu_release("trusty") != "gone":
        pytest.skip(
            f"{images.ubuntu_archive()} did not answer 404 for trusty from this machine "
            "(unreachable?): the grader then plays ubuntu:14.04 with Debian as before"
        )
    install = "RUN apt-get update && apt-get install -y cowsay\n"
    result = _grade_ex1(tmp_path, "FROM ubuntu:14.04\n" + install)
    build = next(c for c in result.checks if c.name == "test_image_builds")
    assert (build.status, build.hint_key) == ("failed", "common.build_release_gone")
    assert "trusty" in (build.hint or "")
    assert (
        "ubuntu:14.04 (Ubuntu trusty, end of life: apt sources no longer served)" in result.standins
    )
    assert result.verdict() == "not_validated"
    xenial = tmp_path / "xenial"
    xenial.mkdir()
    built = _build(engine, xenial, "FROM ubuntu:16.04\n" + install)
    assert built.ok, built.log


@pytest.mark.parametrize(
    "command",
    [
        ["start-notebook.sh", "--NotebookApp.token="],
        ["start-notebook.py", "--ServerApp.token="],
        ["start.sh", "jupyter", "lab", "--ServerApp.token="],
        ["jupyter", "lab", "--ip=0.0.0.0", "--no-browser", "--IdentityProvider.token="],
    ],
)
def test_the_jupyter_stand_in_takes_the_official_images_commands(
    engine: Client, command: list[str]
) -> None:
    images.ensure_standin(engine, "jupyter/base-notebook:latest")
    probe = (
        "import time, urllib.request\nfor _ in range(60):\n    try:\n"
        "        print(urllib.request.urlopen('http://127.0.0.1:8888/api/contents').status)\n"
        "        break\n    except OSError:\n        time.sleep(0.5)\n"
    )
    container = engine.containers.run("jupyter/base-notebook:latest", command, detach=True)
    try:
        answer = container.exec_run(["python3", "-c", probe])
        assert answer.output.decode().strip() == "200", container.logs().decode()
    finally:
        container.remove(force=True)


# --- the nginx stand-in offers what the official image documents (issue 23, item 3) ----------


def _standin(engine: Client, ref: str) -> str:
    """The stand-in for `ref` (`GRADER_TEST_STANDIN_<KIND>` names a rebuilt one to try first:
    `GRADER_TEST_STANDIN_NGINX_UNPRIVILEGED`)."""
    kind = images.STANDINS[images.repository(ref)][0].upper().replace("-", "_")
    if os.environ.get(f"GRADER_TEST_STANDIN_{kind}"):
        return os.environ[f"GRADER_TEST_STANDIN_{kind}"]
    images.ensure_standin(engine, ref)
    return ref


def _nginx(engine: Client) -> str:
    return _standin(engine, "nginx:1.27")


def _run_nginx(engine: Client, tmp_path: Path, files: dict[str, str], **options: Any) -> Any:
    """An nginx stand-in container with `files` (container path → text) bind-mounted."""
    volumes = {}
    for index, (target, text) in enumerate(files.items()):
        source = tmp_path / f"file{index}"
        source.write_text(text, encoding="utf-8")
        source.chmod(0o755)
        volumes[str(source)] = {"bind": target, "mode": "ro"}
    container = engine.containers.run(_nginx(engine), detach=True, volumes=volumes, **options)
    for _ in range(50):
        container.reload()
        if container.status != "created":
            break
        time.sleep(0.1)
    return container


def _fetch(container: Any, port: int = 80) -> str:
    probe = f"for i in $(seq 50); do exec 3<>/dev/tcp/127.0.0.1/{port} && break; sleep 0.1; done; "
    probe += 'printf "GET / HTTP/1.0\\r\\n\\r\\n" >&3; cat <&3'
    return str(container.exec_run(["bash", "-c", probe]).output.decode("utf-8", "replace"))


def test_an_nginx_conf_starting_with_user_nginx_runs_as_with_the_official_image(
    engine: Client, tmp_path: Path
) -> None:
    conf = "user nginx;\nevents {}\nhttp { server { listen 80; return 200 'mine'; } }\n"
    container = _run_nginx(engine, tmp_path, {"/etc/nginx/nginx.conf": conf})
    try:
        assert "mine" in _fetch(container), container.logs().decode()
        assert container.exec_run(["id", "-u", "nginx"]).output.strip() == b"101"
    finally:
        container.remove(force=True)


def test_the_nginx_stand_in_has_the_official_default_conf_and_html_root(
    engine: Client, tmp_path: Path
) -> None:
    container = _run_nginx(engine, tmp_path, {})
    try:
        listed = container.exec_run(
            ["ls", "/etc/nginx/conf.d/default.conf", "/usr/share/nginx/html/index.html"]
        )
        assert listed.exit_code == 0, listed.output.decode()
        assert "Welcome to nginx" in _fetch(container)
    finally:
        container.remove(force=True)


def test_the_nginx_stand_in_runs_the_docker_entrypoint_d_scripts(
    engine: Client, tmp_path: Path
) -> None:
    script = "#!/bin/sh\necho 'from a script' > /usr/share/nginx/html/index.html\n"
    container = _run_nginx(engine, tmp_path, {"/docker-entrypoint.d/40-page.sh": script})
    try:
        assert "from a script" in _fetch(container), container.logs().decode()
    finally:
        container.remove(force=True)


def test_the_nginx_stand_in_renders_templates_with_envsubst(engine: Client, tmp_path: Path) -> None:
    template = (
        'server { listen ${PORT}; location / { return 200 "on $request_method ${GREETING}"; } }\n'
    )
    container = _run_nginx(
        engine,
        tmp_path,
        {"/etc/nginx/templates/site.conf.template": template},
        environment={"PORT": "8081", "GREETING": "salut"},
    )
    try:
        assert "on GET salut" in _fetch(container, 8081), container.logs().decode()
    finally:
        container.remove(force=True)


@pytest.mark.parametrize("signal", ["SIGTERM", "SIGQUIT"])
def test_the_nginx_stand_in_stops_at_once_on_sigterm_and_sigquit(
    engine: Client, tmp_path: Path, signal: str
) -> None:
    container = _run_nginx(engine, tmp_path, {})
    try:
        _fetch(container)
        started = time.monotonic()
        container.kill(signal=signal)
        assert container.wait(timeout=10)["StatusCode"] in (0, 128 + 15, 128 + 3)
        assert time.monotonic() - started < 3
    finally:
        container.remove(force=True)


# Every long-running stand-in (nginx's SIGTERM and SIGQUIT are tested above): `docker stop`
# sends the image's stop signal and SIGKILL 10 s later; a stand-in must stop at once, as the
# official image does, or every `down` of a stack would take 10 s more.
@pytest.mark.parametrize(
    "ref",
    [
        "wordpress:6.6",
        "mariadb:11.4",
        "postgres:16",
        "redis:7",
        "nginxinc/nginx-unprivileged:latest",
        "jupyter/base-notebook:latest",
        "pengbai/docker-supermario:latest",
        "phpmyadmin:5.2",
        "adminer:latest",
    ],
)
def test_the_stand_in_stops_at_once_on_its_stop_signal(engine: Client, ref: str) -> None:
    container = engine.containers.run(
        _standin(engine, ref),
        detach=True,
        environment={"MARIADB_ROOT_PASSWORD": "x", "POSTGRES_PASSWORD": "x"},
        labels=LABELS,
    )
    try:
        time.sleep(3)
        started = time.monotonic()
        container.stop(timeout=10)  # SIGKILL after 10 s: the stop signal was not heard
        container.reload()
        assert container.attrs["State"]["ExitCode"] != 128 + 9, container.logs().decode()[-2000:]
        assert time.monotonic() - started < 5
    finally:
        container.remove(force=True)


def test_the_postgres_stand_in_is_set_up_from_the_official_variables(engine: Client) -> None:
    env = {"POSTGRES_PASSWORD": "secret", "POSTGRES_USER": "u", "POSTGRES_DB": "notes"}
    container = engine.containers.run(_standin(engine, "postgres:16"), detach=True, environment=env)
    query = "for i in $(seq 60); do psql -h 127.0.0.1 -U u -d notes -tAc 'select 42' && break; "
    query += "sleep 0.5; done"
    try:
        done = container.exec_run(["sh", "-c", query], environment={"PGPASSWORD": "secret"})
        assert done.output.decode().strip().endswith("42"), container.logs().decode()[-2000:]
    finally:
        container.remove(force=True)


def test_the_postgres_stand_in_refuses_to_start_without_a_password_as_the_official_one(
    engine: Client,
) -> None:
    container = engine.containers.run(_standin(engine, "postgres:16"), detach=True)
    try:
        assert container.wait(timeout=30)["StatusCode"] == 1
        assert b"POSTGRES_PASSWORD" in container.logs()
    finally:
        container.remove(force=True)


# --- nginx-unprivileged: nginx's own image for non-root pods ----------------------------------


def test_the_nginx_unprivileged_stand_in_runs_as_nginx_101_on_8080_with_its_pid_in_tmp(
    engine: Client,
) -> None:
    container = engine.containers.run(
        _standin(engine, "nginxinc/nginx-unprivileged:1.27"), detach=True, labels=LABELS
    )
    try:
        assert "Welcome to nginx" in _fetch(container, 8080), container.logs().decode()
        assert container.exec_run(["id", "-un"]).output.decode().strip() == "nginx"
        assert container.exec_run(["id", "-u"]).output.decode().strip() == "101"
        master = container.exec_run(["cat", "/tmp/nginx.pid"]).output.decode().strip()
        owner = container.exec_run(["stat", "-c", "%u", f"/proc/{master}"]).output.decode()
        assert owner.strip() == "101"
        for path in ("/etc/nginx/conf.d/default.conf", "/usr/share/nginx/html/index.html"):
            assert container.exec_run(["test", "-w", path]).exit_code == 0, path
    finally:
        container.remove(force=True)


# --- jupyter: the variables of the Jupyter Docker Stacks ---------------------------------------


def _jupyter(engine: Client, **options: Any) -> Any:
    ref = _standin(engine, "jupyter/base-notebook:latest")
    return engine.containers.run(ref, detach=True, labels=LABELS, **options)


def _jupyter_status(container: Any, port: int = 8888, token: str = "") -> int:
    """The HTTP status of /api/status (0 while the server does not answer, within 30 s)."""
    probe = (
        "import time, urllib.error, urllib.request\nfor _ in range(60):\n    try:\n"
        f"        print(urllib.request.urlopen('http://127.0.0.1:{port}/api/status"
        f"?token={token}').status)\n        break\n"
        "    except urllib.error.HTTPError as error:\n        print(error.code)\n        break\n"
        "    except OSError:\n        time.sleep(0.5)\nelse:\n    print(0)\n"
    )
    return int(container.exec_run(["python3", "-c", probe]).output.decode().strip() or 0)


def test_the_jupyter_stand_in_listens_on_jupyter_port_with_jupyter_token(engine: Client) -> None:
    container = _jupyter(engine, environment={"JUPYTER_PORT": "9999", "JUPYTER_TOKEN": "abc"})
    try:
        assert _jupyter_status(container, 9999, "abc") == 200, container.logs().decode()
        assert _jupyter_status(container, 9999, "wrong") == 403
    finally:
        container.remove(force=True)


def test_the_jupyter_stand_in_takes_docker_stacks_jupyter_cmd_and_the_old_enable_lab(
    engine: Client,
) -> None:
    env = {"DOCKER_STACKS_JUPYTER_CMD": "notebook", "JUPYTER_ENABLE_LAB": "yes"}
    container = _jupyter(engine, environment={**env, "JUPYTER_TOKEN": "t"})
    try:
        assert _jupyter_status(container, token="t") == 200, container.logs().decode()
        assert "start.sh jupyter notebook" in container.logs().decode()
    finally:
        container.remove(force=True)


def _on_the_notebook_server(action: str) -> str:
    """A Python program run in the container: `action` for each notebook server process
    (`pid`, with `os` and `signal` imported)."""
    return (
        "import os, signal\nfor pid in filter(str.isdigit, os.listdir('/proc')):\n"
        "    if int(pid) != os.getpid() and b'jupyter-notebook' in open(f'/proc/{pid}/cmdline', "
        f"'rb').read():\n        {action}\n"
    )


def test_the_jupyter_stand_in_restarts_the_server_when_restartable(engine: Client) -> None:
    container = _jupyter(engine, environment={"RESTARTABLE": "yes", "JUPYTER_TOKEN": "t"})
    kill = _on_the_notebook_server("os.kill(int(pid), signal.SIGKILL); print(pid)")
    try:
        assert _jupyter_status(container, token="t") == 200, container.logs().decode()
        assert container.exec_run(["python3", "-c", kill]).output.strip()
        time.sleep(1)
        assert _jupyter_status(container, token="t") == 200, container.logs().decode()
        container.reload()
        assert container.status == "running"
    finally:
        container.remove(force=True)


def test_the_jupyter_stand_in_started_as_root_adapts_nb_user_nb_uid_and_chown_home(
    engine: Client,
) -> None:
    env = {"NB_USER": "alice", "NB_UID": "1010", "CHOWN_HOME": "yes", "JUPYTER_TOKEN": "t"}
    container = _jupyter(engine, user="root", environment=env)
    whose = _on_the_notebook_server("print(os.stat(f'/proc/{pid}').st_uid)")
    try:
        assert _jupyter_status(container, token="t") == 200, container.logs().decode()
        assert container.exec_run(["python3", "-c", whose]).output.decode().split() == ["1010"]
        assert "Serving notebooks from local directory: /home/alice" in container.logs().decode()
        owner = container.exec_run(["stat", "-c", "%U %u", "/home/alice"]).output.decode()
        assert owner.split() == ["alice", "1010"]
    finally:
        container.remove(force=True)


# --- phpMyAdmin and Adminer, the database companions of a stack --------------------------------


@pytest.fixture(scope="module")
def database(engine: Client) -> Iterator[str]:
    """A MariaDB stand-in known as `db` on a user network, on port 3307 (to tell PMA_PORT is
    honoured), with a `notes` database; yields the network's name."""
    network = engine.networks.create(f"grader-standin-test-{os.getpid()}", labels=LABELS)
    db = engine.containers.run(
        _standin(engine, "mariadb:11.4"),
        ["mariadbd", "--port=3307"],
        detach=True,
        labels=LABELS,
        network=network.name,
        environment={"MARIADB_ROOT_PASSWORD": "rootpw", "MARIADB_DATABASE": "notes"},
    )
    network.disconnect(db)
    network.connect(db, aliases=["db"])
    ping = "for i in $(seq 60); do mariadb-admin -uroot -prootpw ping && break; sleep 0.5; done"
    try:
        assert b"is alive" in db.exec_run(["sh", "-c", ping]).output, db.logs().decode()
        yield network.name
    finally:
        db.remove(force=True, v=True)
        network.remove()


def _web(engine: Client, ref: str, network: str, env: dict[str, str]) -> Any:
    return engine.containers.run(
        _standin(engine, ref), detach=True, labels=LABELS, network=network, environment=env
    )


def _curl(container: Any, url: str, *options: str) -> str:
    """The headers and page of `url` (curl, as in the official images), once it answers."""
    wait = f"for i in $(seq 50); do curl -so /dev/null {url} && break; sleep 0.2; done"
    container.exec_run(["sh", "-c", wait])
    answer = container.exec_run(["curl", "-s", "-i", *options, url])
    return str(answer.output.decode("utf-8", "replace"))


@pytest.mark.parametrize("ref", ["phpmyadmin:5.2", "phpmyadmin/phpmyadmin:latest"])
def test_phpmyadmin_logs_in_to_pma_host_and_pma_port_as_pma_user(
    engine: Client, database: str, ref: str
) -> None:
    env = {"PMA_HOST": "db", "PMA_PORT": "3307", "PMA_USER": "root", "PMA_PASSWORD": "rootpw"}
    pma = _web(engine, ref, database, env)
    try:
        page = _curl(pma, "http://127.0.0.1/")
        assert page.startswith("HTTP/1.1 200"), page[:300]
        assert "/ db | phpMyAdmin" in page, pma.logs().decode()[-2000:]  # <title>, logged in
        assert "db via TCP/IP" in page and "notes" in page  # the server, its databases
    finally:
        pma.remove(force=True)


@pytest.mark.parametrize(
    ("env", "present", "absent"),
    [
        ({"PMA_HOST": "db"}, ['name="pma_username"'], ['name="pma_servername"']),
        ({"PMA_ARBITRARY": "1"}, ['name="pma_username"', 'name="pma_servername"'], []),
        ({"PMA_HOSTS": "db,other"}, ['id="select_server"', ">db</option>", ">other</option>"], []),
        ({"PMA_ABSOLUTE_URI": "http://example.test/pma/"}, ["path=/pma/"], []),
    ],
)
def test_phpmyadmin_shows_its_login_page_as_the_variables_say(
    engine: Client, database: str, env: dict[str, str], present: list[str], absent: list[str]
) -> None:
    pma = _web(engine, "phpmyadmin:latest", database, env)
    try:
        page = _curl(pma, "http://127.0.0.1/")
        assert page.startswith("HTTP/1.1 200") and "<title>phpMyAdmin" in page, page[:500]
        for text in present:
            assert text in page, text
        for text in absent:
            assert text not in page, text
    finally:
        pma.remove(force=True)


def test_adminer_answers_on_8080_with_db_as_the_default_server(
    engine: Client, database: str
) -> None:
    adminer = _web(engine, "adminer:latest", database, {})
    chosen = _web(engine, "adminer:4", database, {"ADMINER_DEFAULT_SERVER": "db:3307"})
    try:
        page = _curl(adminer, "http://127.0.0.1:8080/")
        assert page.startswith("HTTP/1.1 200") and "<title>Login - Adminer" in page, page[:500]
        assert 'name="auth[server]" value="db"' in page
        assert adminer.exec_run(["id", "-un"]).output.decode().strip() == "adminer"
        page = _curl(chosen, "http://127.0.0.1:8080/")
        assert 'name="auth[server]" value="db:3307"' in page
        login = [
            option
            for field, value in (
                ("driver", "server"),
                ("server", "db:3307"),
                ("username", "root"),
                ("password", "rootpw"),
                ("db", ""),
            )
            for option in ("--data-urlencode", f"auth[{field}]={value}")
        ]
        jar = ["-c", "/tmp/jar", "-b", "/tmp/jar"]
        _curl(chosen, "http://127.0.0.1:8080/", *jar)
        page = _curl(chosen, "http://127.0.0.1:8080/", "-L", *jar, *login)
        assert "<title>Select database - db:3307 - Adminer" in page, page[-1500:]
        assert "notes" in page
    finally:
        adminer.remove(force=True)
        chosen.remove(force=True)


def test_adminer_takes_adminer_design_and_adminer_plugins(engine: Client, database: str) -> None:
    env = {"ADMINER_DESIGN": "dracula", "ADMINER_PLUGINS": "tables-filter"}
    adminer = _web(engine, "adminer:latest", database, env)
    try:
        assert "adminer.css" in _curl(adminer, "http://127.0.0.1:8080/")
        assert "dracula" in _curl(adminer, "http://127.0.0.1:8080/adminer.css").lower()
        listed = adminer.exec_run(["ls", "/var/www/html/plugins-enabled"]).output.decode()
        assert listed.strip() == "001-tables-filter.php"
    finally:
        adminer.remove(force=True)
