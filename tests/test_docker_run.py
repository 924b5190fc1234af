"""grader/run_commands.py and docker_run.py: `docker run` commands handed in, read as text,
translated to Compose."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from grader.containers import docker_run, run_commands
from grader.containers.compose import binary
from grader.containers.docker_run import (
    RunCommand,
    Translation,
    find_commands,
    from_folder,
    translate,
)
from grader.containers.policy import compose_violations
from grader.model.catalogue import Catalogue
from grader.model.hints import LANGS


def folder_with(tmp_path: Path, files: dict[str, str | bytes]) -> Path:
    folder = tmp_path / "ex2"
    folder.mkdir(exist_ok=True)
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return folder


def argvs(tmp_path: Path, files: dict[str, str | bytes]) -> list[list[str]]:
    return [c.argv for c in find_commands(folder_with(tmp_path, files))]


def translated(tmp_path: Path, script: str) -> Translation:
    translation = from_folder(folder_with(tmp_path, {"run.sh": script}))
    assert translation is not None
    return translation


def service(tmp_path: Path, script: str) -> dict[str, Any]:
    services = translated(tmp_path, script).compose["services"]
    assert len(services) == 1, services
    return dict(next(iter(services.values())))


def md(body: str, tag: str = "bash", fence: str = "```") -> str:
    return f"# Exercice 2\n\nMa commande :\n\n{fence}{tag}\n{body}\n{fence}\n\nFin.\n"


NGINX = ["-d", "-p", "8082:80", "nginx"]


# --- where the commands come from ---------------------------------------------------------------


def test_every_line_of_a_shell_script_is_read(tmp_path: Path) -> None:
    script = "#!/bin/sh\nset -e\ndocker run -d -p 8082:80 nginx\necho ok\n"
    assert argvs(tmp_path, {"run.sh": script}) == [NGINX]


def test_a_file_without_extension_is_read_when_it_starts_with_a_shell_line(
    tmp_path: Path,
) -> None:
    files: dict[str, str | bytes] = {
        "lancer": "#!/usr/bin/env bash\ndocker run -d -p 8082:80 nginx\n",
        "notes": "docker run -d -p 9999:80 nginx\n",
    }
    assert argvs(tmp_path, files) == [NGINX]


@pytest.mark.parametrize("tag", ["", "sh", "bash", "shell", "console", "text", "powershell"])
@pytest.mark.parametrize("fence", ["```", "~~~", "````"])
def test_a_markdown_code_block_is_read_whatever_its_fence_and_language(
    tmp_path: Path, tag: str, fence: str
) -> None:
    readme = md("docker run -d -p 8082:80 nginx", tag, fence)
    assert argvs(tmp_path, {"README.md": readme}) == [NGINX]


def test_markdown_outside_code_blocks_is_not_read(tmp_path: Path) -> None:
    readme = (
        "J'ai tapé docker run -d -p 9999:80 nginx puis :\n\n"
        "```\ndocker run -d -p 8082:80 nginx\n```\n\n"
        "    docker run -d -p 7777:80 nginx\n"
    )
    assert argvs(tmp_path, {"README.md": readme}) == [NGINX]


def test_code_blocks_are_read_in_every_markdown_file_of_the_folder_but_not_below(
    tmp_path: Path,
) -> None:
    files: dict[str, str | bytes] = {
        "REPONSE.md": md("docker run -d -p 8082:80 nginx"),
        "docs/README.md": md("docker run -d -p 9999:80 nginx"),
        "docs/run.sh": "docker run -d -p 9999:80 nginx\n",
    }
    assert argvs(tmp_path, files) == [NGINX]


def test_a_code_block_in_a_list_item_is_read(tmp_path: Path) -> None:
    readme = "1. Lancer nginx :\n\n   ```bash\n   docker run -d -p 8082:80 nginx\n   ```\n"
    assert argvs(tmp_path, {"README.md": readme}) == [NGINX]


@pytest.mark.parametrize(
    "prompt",
    [
        "$ ",
        "# ",
        "> ",
        "% ",
        "PS C:\\Users\\moi\\tp> ",
        "PS> ",
        "C:\\Users\\moi\\tp>",
        "user@host:~$ ",
        "etudiant@pc-42:~/tp/ex2$ ",
        "root@vm:/srv# ",
        "[moi@fedora ex2]$ ",
        "(venv) $ ",
        "moi@MacBook-Air ex2 % ",
    ],
)
def test_a_prompt_before_the_command_is_left_out(tmp_path: Path, prompt: str) -> None:
    readme = md(f"{prompt}docker run -d -p 8082:80 nginx", "console")
    assert argvs(tmp_path, {"README.md": readme}) == [NGINX]


@pytest.mark.parametrize(
    "prefix", ["sudo ", "sudo -E ", "sudo -E -H ", "sudo -u root ", "winpty ", "$ sudo "]
)
def test_sudo_and_winpty_are_left_out(tmp_path: Path, prefix: str) -> None:
    readme = md(f"{prefix}docker run -d -p 8082:80 nginx")
    assert argvs(tmp_path, {"README.md": readme}) == [NGINX]


def test_the_output_lines_of_a_console_block_are_ignored(tmp_path: Path) -> None:
    readme = md(
        "$ docker run -d -p 8082:80 nginx\n"
        "Unable to find image 'nginx:latest' locally\n"
        "latest: Pulling from library/nginx\n"
        "docker: Error response from daemon: see 'docker run --help'.\n"
        "3f1e2d4c5b6a\n"
        "$ docker ps\n"
        "CONTAINER ID   IMAGE   COMMAND   CREATED   STATUS   PORTS   NAMES",
        "console",
    )
    assert argvs(tmp_path, {"README.md": readme}) == [NGINX]


@pytest.mark.parametrize(
    "line",
    [
        "docker compose up -d",
        "docker-compose up",
        "docker build -t moi/nginx .",
        "docker pull nginx",
        "docker ps -a",
        "docker rm -f web",
        "docker image ls",
        "echo docker run -d nginx",
        "docker --version && echo run",
    ],
)
def test_other_docker_commands_are_ignored(tmp_path: Path, line: str) -> None:
    assert argvs(tmp_path, {"run.sh": line + "\n"}) == []


def test_docker_container_run_is_docker_run(tmp_path: Path) -> None:
    assert argvs(tmp_path, {"run.sh": "docker container run -d -p 8082:80 nginx\n"}) == [NGINX]


@pytest.mark.parametrize(
    "text",
    [
        "docker run -d \\\n  -p 8082:80 \\\n  nginx",
        "docker run -d \\\n> -p 8082:80 \\\n> nginx",
        "docker run -d `\n  -p 8082:80 `\n  nginx",
        "PS C:\\tp> docker run -d `\n>>   -p 8082:80 `\n>>   nginx",
        "docker run -d ^\n  -p 8082:80 ^\n  nginx",
        "docker run -d \\\r\n  -p 8082:80 \\\r\n  nginx",
    ],
    ids=[
        "backslash",
        "secondary-prompt",
        "powershell-backtick",
        "powershell-prompts",
        "cmd-caret",
        "crlf",
    ],
)
def test_continued_lines_are_joined(tmp_path: Path, text: str) -> None:
    assert argvs(tmp_path, {"README.md": md(text)}) == [NGINX]


def test_a_command_is_placed_at_the_line_where_it_starts(tmp_path: Path) -> None:
    readme = md("docker ps\ndocker run -d \\\n  -p 8082:80 \\\n  nginx\ndocker run hello-world")
    found = find_commands(folder_with(tmp_path, {"README.md": readme}))
    assert [(c.file, c.line) for c in found] == [("README.md", 7), ("README.md", 10)]


@pytest.mark.parametrize(
    "line",
    [
        "docker run -d -p 8082:80 nginx # le serveur web",
        "docker run -d -p 8082:80 nginx    #commentaire",
        "docker run -d -p 8082:80 nginx 2>&1 > /dev/null",
        "docker run -d -p 8082:80 nginx >/dev/null",
    ],
)
def test_a_comment_or_a_redirection_after_the_command_is_left_out(
    tmp_path: Path, line: str
) -> None:
    assert argvs(tmp_path, {"run.sh": line + "\n"}) == [NGINX]


def test_a_commented_out_command_of_a_script_is_ignored(tmp_path: Path) -> None:
    script = "# docker run -d -p 9999:80 nginx\ndocker run -d -p 8082:80 nginx\n"
    assert argvs(tmp_path, {"run.sh": script}) == [NGINX]


def test_a_hash_inside_a_word_or_quotes_is_not_a_comment(tmp_path: Path) -> None:
    line = "docker run -e 'MSG=a # b' -e C=#x -d nginx\n"
    assert argvs(tmp_path, {"run.sh": line}) == [["-e", "MSG=a # b", "-e", "C=#x", "-d", "nginx"]]


@pytest.mark.parametrize(
    "line",
    [
        "docker rm -f web && docker run -d -p 8082:80 nginx",
        "docker rm -f web; docker run -d -p 8082:80 nginx",
        "docker build -t x . && docker run -d -p 8082:80 nginx && docker ps",
        "docker run -d -p 8082:80 nginx || echo raté",
    ],
)
def test_commands_joined_with_and_or_semicolon_are_split(tmp_path: Path, line: str) -> None:
    assert argvs(tmp_path, {"run.sh": line + "\n"}) == [NGINX]


def test_two_commands_on_one_line_are_both_found(tmp_path: Path) -> None:
    line = "docker run -d -p 8082:80 nginx && docker run hello-world\n"
    assert argvs(tmp_path, {"run.sh": line}) == [NGINX, ["hello-world"]]


def test_a_command_shlex_cannot_split_is_kept_as_an_error(tmp_path: Path) -> None:
    found = find_commands(folder_with(tmp_path, {"run.sh": "\n\ndocker run -e 'A=b nginx\n"}))
    assert [(c.line, c.argv, bool(c.error)) for c in found] == [(3, [], True)]


def test_a_symlink_is_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside.sh"
    outside.write_text("docker run -d -p 9999:80 nginx\n", encoding="utf-8")
    folder = folder_with(tmp_path, {"run.sh": "docker run -d -p 8082:80 nginx\n"})
    (folder / "lien.sh").symlink_to(outside)
    assert [c.argv for c in find_commands(folder)] == [NGINX]


def test_a_missing_folder_has_no_command(tmp_path: Path) -> None:
    assert find_commands(tmp_path / "absent") == []
    assert from_folder(tmp_path / "absent") is None


@pytest.mark.parametrize(
    "content",
    [
        bytes(range(256)) * 64,
        b"\xff\xfe\x00d\x00o\x00c\x00k\x00e\x00r\x00 \x00r\x00u\x00n",
        b"docker run \"\xff\xfe 'unbalanced\n" * 1000,
        b"```\n" + b"docker run -v '$(pwd:/x \\\n" * 10_000,
        b"docker run " + b"-p 1:1 " * 150_000,
        b"\\\n" * 10_000 + b"docker run nginx\n",
        ("`" * 5000 + "\n~~~\n" + "docker run é\u2028ü\x00 nginx\n" * 2000).encode(),
    ],
    ids=[
        "binary",
        "utf16",
        "unbalanced-quotes",
        "10000-continued-lines",
        "1MB-line",
        "only-continuations",
        "unicode-junk",
    ],
)
def test_any_text_is_read_without_an_exception(tmp_path: Path, content: bytes) -> None:
    folder = folder_with(tmp_path, {"README.md": content, "run.sh": content, "x": content})
    translation = from_folder(folder)
    if translation is not None:
        yaml.safe_dump(translation.compose)


def test_a_big_file_without_extension_does_not_use_up_what_is_read(tmp_path: Path) -> None:
    files: dict[str, str | bytes] = {"data": b"x" * 2_000_000, "z.sh": "docker run hello-world\n"}
    assert argvs(tmp_path, files) == [["hello-world"]]


def test_the_number_of_files_and_of_bytes_read_is_capped(tmp_path: Path) -> None:
    line = "docker run -d -p 8082:80 nginx\n"
    files: dict[str, str | bytes] = {f"run{n:03}.sh": line for n in range(200)}
    files["big.md"] = "```\n" + "echo x\n" * 500_000 + line + "```\n"
    found = find_commands(folder_with(tmp_path, files))
    assert len({c.file for c in found}) <= run_commands.MAX_FILES
    assert "big.md" not in {c.file for c in found}


# --- the flags -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("flags", "ports"),
    [
        ("-p 8082:80", ["8082:80"]),
        ("-p 127.0.0.1:8082:80", ["127.0.0.1:8082:80"]),
        ("-p 8082:80/tcp", ["8082:80/tcp"]),
        ("-p8082:80", ["8082:80"]),
        ("--publish=8082:80", ["8082:80"]),
        ("--publish 8082:80", ["8082:80"]),
        ('-p "8082:80"', ["8082:80"]),
        ("-p 8082:80 -p 8443:443", ["8082:80", "8443:443"]),
        ("-dp 8082:80", ["8082:80"]),
        ("-p 80", ["80"]),
        ("-p 8000-8002:8000-8002/udp", ["8000-8002:8000-8002/udp"]),
        ("-p ${PORT}:80", ["${PORT}:80"]),
    ],
)
def test_published_ports_become_ports(tmp_path: Path, flags: str, ports: list[str]) -> None:
    assert service(tmp_path, f"docker run -d {flags} nginx")["ports"] == ports


def test_publish_all_is_not_translated_and_says_why(tmp_path: Path) -> None:
    translation = translated(tmp_path, "docker run -d -P nginx")
    assert "ports" not in translation.compose["services"]["nginx"]
    assert translation.unsupported == [("-P", "publish_all")]


def test_a_port_that_is_not_a_mapping_is_not_translated(tmp_path: Path) -> None:
    translation = translated(tmp_path, "docker run -p 8082=80 nginx")
    assert translation.unsupported == [("-p 8082=80", "not_a_port")]


@pytest.mark.parametrize(
    ("flag", "volume"),
    [
        ("./html:/usr/share/nginx/html", "./html:/usr/share/nginx/html"),
        ("$(pwd)/html:/usr/share/nginx/html", "./html:/usr/share/nginx/html"),
        ('"$(pwd)/html:/usr/share/nginx/html"', "./html:/usr/share/nginx/html"),
        ("${PWD}/html:/usr/share/nginx/html", "./html:/usr/share/nginx/html"),
        ('"$PWD"/html:/usr/share/nginx/html', "./html:/usr/share/nginx/html"),
        ("`pwd`/html:/usr/share/nginx/html", "./html:/usr/share/nginx/html"),
        ('"/$(pwd)/html":/usr/share/nginx/html', "./html:/usr/share/nginx/html"),
        ('"$(pwd -W)/html":/usr/share/nginx/html', "./html:/usr/share/nginx/html"),
        ('"$(Get-Location)/html:/usr/share/nginx/html"', "./html:/usr/share/nginx/html"),
        ("$pwd/html:/usr/share/nginx/html", "./html:/usr/share/nginx/html"),
        ("%CD%/html:/usr/share/nginx/html", "./html:/usr/share/nginx/html"),
        ("%cd%\\html:/usr/share/nginx/html", "./html:/usr/share/nginx/html"),
        ("${PWD}\\html:/usr/share/nginx/html", "./html:/usr/share/nginx/html"),
        ("$(pwd):/home/jovyan/work", ".:/home/jovyan/work"),
        (".:/home/jovyan/work", ".:/home/jovyan/work"),
        ("~/notebooks:/home/jovyan/work", "~/notebooks:/home/jovyan/work"),
        ("html:/usr/share/nginx/html:ro", "html:/usr/share/nginx/html:ro"),
        ("site/html:/usr/share/nginx/html", "./site/html:/usr/share/nginx/html"),
        ("$(pwd)/html:/usr/share/nginx/html:ro", "./html:/usr/share/nginx/html:ro"),
        ("/srv/html:/usr/share/nginx/html", "/srv/html:/usr/share/nginx/html"),
        ("$HOME/html:/usr/share/nginx/html", "$HOME/html:/usr/share/nginx/html"),
        ("/var/run/docker.sock:/var/run/docker.sock", "/var/run/docker.sock:/var/run/docker.sock"),
        ("/data", "/data"),
    ],
)
def test_volumes_become_volumes_with_the_submission_folder_as_dot(
    tmp_path: Path, flag: str, volume: str
) -> None:
    assert service(tmp_path, f"docker run -d -v {flag} nginx")["volumes"] == [volume]


def test_a_named_volume_is_also_declared_at_the_top_level(tmp_path: Path) -> None:
    line = "docker run -d --volume notebooks:/home/jovyan/work -p 8888:8888 jupyter/base-notebook"
    compose = translated(tmp_path, line).compose
    assert compose["services"]["base-notebook"]["volumes"] == ["notebooks:/home/jovyan/work"]
    assert compose["volumes"] == {"notebooks": {}}


def test_a_path_of_the_students_windows_computer_is_not_translated(tmp_path: Path) -> None:
    translation = translated(
        tmp_path, "docker run -v C:\\Users\\moi\\html:/usr/share/nginx/html nginx"
    )
    assert "volumes" not in translation.compose["services"]["nginx"]
    assert translation.unsupported == [
        ("-v C:\\Users\\moi\\html:/usr/share/nginx/html", "windows_path")
    ]


def test_a_command_substitution_in_a_path_is_not_translated(tmp_path: Path) -> None:
    translation = translated(tmp_path, 'docker run -v "$(realpath html)":/x nginx')
    assert translation.unsupported == [("-v $(realpath html):/x", "substitution")]


@pytest.mark.parametrize(
    ("flag", "mount"),
    [
        (
            "type=bind,source=$(pwd)/notebooks,target=/home/jovyan/work",
            {
                "type": "bind",
                "target": "/home/jovyan/work",
                "source": "./notebooks",
                "bind": {"create_host_path": True},
            },
        ),
        (
            "type=bind,src=./site,dst=/usr/share/nginx/html,readonly",
            {
                "type": "bind",
                "target": "/usr/share/nginx/html",
                "source": "./site",
                "read_only": True,
                "bind": {"create_host_path": True},
            },
        ),
        (
            '"type=bind,source=${PWD},target=/work,ro=true"',
            {
                "type": "bind",
                "target": "/work",
                "source": ".",
                "read_only": True,
                "bind": {"create_host_path": True},
            },
        ),
        (
            "type=volume,source=work,target=/home/jovyan/work",
            {"type": "volume", "target": "/home/jovyan/work", "source": "work"},
        ),
        (
            "source=work,target=/home/jovyan/work",
            {"type": "volume", "target": "/home/jovyan/work", "source": "work"},
        ),
        ("type=tmpfs,destination=/cache", {"type": "tmpfs", "target": "/cache"}),
    ],
)
def test_mounts_become_long_volume_entries(
    tmp_path: Path, flag: str, mount: dict[str, Any]
) -> None:
    assert service(tmp_path, f"docker run --mount {flag} nginx")["volumes"] == [mount]


def test_a_mount_of_a_named_volume_declares_it(tmp_path: Path) -> None:
    compose = translated(tmp_path, "docker run --mount=type=volume,src=w,dst=/w nginx").compose
    assert compose["volumes"] == {"w": {}}


@pytest.mark.parametrize(
    "flag",
    ["type=bind,target=/x", "type=volume,source=a/b,target=/x", "source=x", "type=npipe,target=/x"],
)
def test_a_mount_that_cannot_be_read_is_not_translated(tmp_path: Path, flag: str) -> None:
    translation = translated(tmp_path, f"docker run --mount {flag} nginx")
    assert translation.unsupported == [(f"--mount {flag}", "bad_volume")]


@pytest.mark.parametrize(
    ("flags", "environment"),
    [
        ("-e NGINX_PORT=80", ["NGINX_PORT=80"]),
        ("--env NGINX_PORT=80", ["NGINX_PORT=80"]),
        ("--env=NGINX_PORT=80", ["NGINX_PORT=80"]),
        ("-e NGINX_PORT", ["NGINX_PORT"]),
        ("-e JUPYTER_TOKEN='' -e 'MSG=bonjour à tous'", ["JUPYTER_TOKEN=", "MSG=bonjour à tous"]),
        ("-e DB=${DB_NAME:-wp}", ["DB=${DB_NAME:-wp}"]),
        ("-eA=1", ["A=1"]),
    ],
)
def test_environment_variables_become_environment(
    tmp_path: Path, flags: str, environment: list[str]
) -> None:
    assert service(tmp_path, f"docker run {flags} nginx")["environment"] == environment


def test_an_env_file_becomes_an_optional_env_file(tmp_path: Path) -> None:
    assert service(tmp_path, "docker run --env-file $(pwd)/.env nginx")["env_file"] == [
        {"path": "./.env", "required": False}
    ]


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        ("--restart unless-stopped", {"restart": "unless-stopped"}),
        ("--restart=always", {"restart": "always"}),
        ("-w /app", {"working_dir": "/app"}),
        ("--workdir=/app", {"working_dir": "/app"}),
        ("-u 1000:1000", {"user": "1000:1000"}),
        ("--user jovyan", {"user": "jovyan"}),
        ("-h web", {"hostname": "web"}),
        ("--hostname=web", {"hostname": "web"}),
        ("--entrypoint /bin/sh", {"entrypoint": ["/bin/sh"]}),
        ("-it", {"stdin_open": True, "tty": True}),
        ("-i -t", {"stdin_open": True, "tty": True}),
        ("-dit", {"stdin_open": True, "tty": True}),
        ("-itd", {"stdin_open": True, "tty": True}),
        ("--init", {"init": True}),
        ("--rm", {}),
        ("-d", {}),
        ("--detach", {}),
        ("--pull always", {}),
        ("--pull=missing", {}),
        ("--rm=false", {}),
        ("--net bridge", {}),
        ("--network=default", {}),
        ("-m 256m", {"mem_limit": "256m"}),
        ("--cpus 0.5", {"cpus": "0.5"}),
        ("--read-only", {"read_only": True}),
        ("--label a=b", {"labels": ["a=b"]}),
        ("--add-host db:10.0.0.2", {"extra_hosts": ["db:10.0.0.2"]}),
        ("--link db:mysql", {"links": ["db:mysql"]}),
        ("--expose 90", {"expose": ["90"]}),
    ],
)
def test_flags_become_their_compose_keys(
    tmp_path: Path, flags: str, expected: dict[str, Any]
) -> None:
    translation = translated(tmp_path, f"docker run {flags} nginx")
    assert translation.compose["services"] == {"nginx": {"image": "nginx", **expected}}
    assert translation.unsupported == []


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        ("--privileged", {"privileged": True}),
        ("--network host", {"network_mode": "host"}),
        ("--net=host", {"network_mode": "host"}),
        ("--pid host", {"pid": "host"}),
        ("--ipc=host", {"ipc": "host"}),
        ("--cap-add SYS_ADMIN", {"cap_add": ["SYS_ADMIN"]}),
        ("--device /dev/kvm", {"devices": ["/dev/kvm"]}),
        ("--security-opt seccomp=unconfined", {"security_opt": ["seccomp=unconfined"]}),
        (
            "-v /var/run/docker.sock:/var/run/docker.sock",
            {"volumes": ["/var/run/docker.sock:/var/run/docker.sock"]},
        ),
    ],
)
def test_what_the_policy_refuses_is_kept_so_that_it_is_refused(
    tmp_path: Path, flags: str, expected: dict[str, Any]
) -> None:
    compose = translated(tmp_path, f"docker run {flags} nginx").compose
    assert compose["services"]["nginx"] == {"image": "nginx", **expected}
    if "volumes" not in expected:  # bind mounts are checked after `docker compose config`
        assert compose_violations(compose, tmp_path)


def test_a_user_network_is_not_translated_and_says_why(tmp_path: Path) -> None:
    translation = translated(tmp_path, "docker run -d --network wpnet --name db mariadb:11")
    assert translation.compose["services"] == {"db": {"image": "mariadb:11"}}
    assert translation.unsupported == [("--network wpnet", "network")]


def test_the_words_after_the_image_become_the_command(tmp_path: Path) -> None:
    line = "docker run --rm -p 8888:8888 jupyter/base-notebook start-notebook.sh --NotebookApp.token=''"
    assert service(tmp_path, line)["command"] == ["start-notebook.sh", "--NotebookApp.token="]


def test_quotes_of_the_command_are_kept_as_words(tmp_path: Path) -> None:
    line = "docker run alpine sh -c 'echo bonjour; sleep 5'"
    assert service(tmp_path, line)["command"] == ["sh", "-c", "echo bonjour; sleep 5"]


def test_double_dash_ends_the_flags(tmp_path: Path) -> None:
    assert service(tmp_path, "docker run -d -- nginx -g 'daemon off;'") == {
        "image": "nginx",
        "command": ["-g", "daemon off;"],
    }


@pytest.mark.parametrize(
    ("line", "image", "note"),
    [
        ("docker run --frobnicate nginx", "nginx", "--frobnicate"),
        ("docker run --frobnicate=3 nginx", "nginx", "--frobnicate=3"),
        ("docker run --frobnicate 3 -d nginx", "nginx", "--frobnicate 3"),
        ("docker run --frobnicate 512m nginx echo", "nginx", "--frobnicate 512m"),
        ("docker run --frobnicate nginx echo", "nginx", "--frobnicate"),
        ("docker run -x nginx", "nginx", "-x"),
        ("docker run -dx nginx", "nginx", "-x"),
        ("docker run -x 1 --rm nginx", "nginx", "-x 1"),
    ],
)
def test_an_unknown_flag_is_noted_without_swallowing_the_image(
    tmp_path: Path, line: str, image: str, note: str
) -> None:
    translation = translated(tmp_path, line)
    assert [s["image"] for s in translation.compose["services"].values()] == [image]
    assert translation.unsupported == [(note, "unknown")]


def test_a_known_flag_with_no_compose_equivalent_is_noted(tmp_path: Path) -> None:
    translation = translated(tmp_path, "docker run --ulimit nofile=1024 --log-driver none nginx")
    assert translation.unsupported == [
        ("--ulimit nofile=1024", "not_translated"),
        ("--log-driver none", "not_translated"),
    ]


def test_flags_written_after_the_image_are_noted(tmp_path: Path) -> None:
    translation = translated(tmp_path, "docker run nginx -d -p 8082:80")
    assert translation.compose["services"]["nginx"] == {
        "image": "nginx",
        "command": ["-d", "-p", "8082:80"],
    }
    assert translation.unsupported == [("-d", "after_image"), ("-p", "after_image")]


def test_a_command_without_an_image_is_noted(tmp_path: Path) -> None:
    translation = translated(tmp_path, "docker run -d -p 8082:80 nginx\ndocker run -d -p 9000:80\n")
    assert list(translation.compose["services"]) == ["nginx"]
    assert translation.unsupported == [("run.sh:2", "no_image")]


def test_a_dollar_that_compose_cannot_interpolate_is_escaped(tmp_path: Path) -> None:
    line = "docker run -e 'PRICE=5$' -e A=$HOME -e B=${B:-x} alpine sh -c 'kill -0 $$; echo $1'"
    translated_service = service(tmp_path, line)
    assert translated_service["environment"] == ["PRICE=5$$", "A=$HOME", "B=${B:-x}"]
    assert translated_service["command"] == ["sh", "-c", "kill -0 $$$$; echo $$1"]


# --- several commands ----------------------------------------------------------------------------


def test_each_command_is_a_service_named_after_its_container_or_image(tmp_path: Path) -> None:
    script = (
        "docker run -d --name db -e MARIADB_ROOT_PASSWORD=x mariadb:11\n"
        "docker run -d -p 8000:80 -e WORDPRESS_DB_HOST=db wordpress:6\n"
        "docker run -d -p 8082:80 nginx\n"
        "docker run -d -p 8083:80 nginx:alpine\n"
    )
    assert list(translated(tmp_path, script).compose["services"]) == [
        "db",
        "wordpress",
        "nginx",
        "nginx-2",
    ]


@pytest.mark.parametrize(
    ("flags", "name"),
    [
        ("--name Mon.Nginx", "mon-nginx"),
        ("--name _web_", "web"),
        ("--name=mon_nginx", "mon_nginx"),
        ("--name ÉtéWeb", "t-web"),
        ("--name ---", "app"),
        ("", "base-notebook"),
    ],
)
def test_a_service_name_is_a_valid_compose_name(tmp_path: Path, flags: str, name: str) -> None:
    line = f"docker run {flags} quay.io/jupyter/base-notebook:2024-12-02"
    assert list(translated(tmp_path, line).compose["services"]) == [name]


def test_a_container_run_again_under_the_same_name_keeps_the_last_command(tmp_path: Path) -> None:
    script = "docker run -d --name web -p 8080:80 nginx\ndocker rm -f web\ndocker run -d --name web -p 8082:80 nginx\n"
    translation = translated(tmp_path, script)
    assert translation.compose["services"] == {"web": {"image": "nginx", "ports": ["8082:80"]}}
    assert [c.line for c in translation.commands] == [3]


def test_the_same_command_run_twice_is_one_service(tmp_path: Path) -> None:
    files: dict[str, str | bytes] = {
        "README.md": md("$ docker run -d -p 8082:80 nginx"),
        "run.sh": "docker run -d -p 8082:80 nginx\n",
    }
    translation = from_folder(folder_with(tmp_path, files))
    assert translation is not None
    assert translation.compose["services"] == {"nginx": {"image": "nginx", "ports": ["8082:80"]}}
    assert [(c.file, c.line) for c in translation.commands] == [("run.sh", 1)]


def test_a_later_command_on_the_same_host_port_replaces_the_earlier_one(tmp_path: Path) -> None:
    script = "docker run -d -p 8082:8080 nginx\ndocker run -d -p 8082:80 nginx:1.27\n"
    assert translated(tmp_path, script).compose["services"] == {
        "nginx": {"image": "nginx:1.27", "ports": ["8082:80"]}
    }


def test_the_notes_of_a_replaced_command_are_dropped(tmp_path: Path) -> None:
    script = "docker run -P --name web nginx\ndocker run -p 8082:80 --name web nginx\n"
    assert translated(tmp_path, script).unsupported == []


def test_no_command_is_no_translation(tmp_path: Path) -> None:
    assert translate([]) is None
    assert from_folder(folder_with(tmp_path, {"README.md": "# rien\n", "run.sh": "ls\n"})) is None


def test_only_unreadable_commands_give_an_empty_translation_with_the_note(tmp_path: Path) -> None:
    translation = translated(tmp_path, "echo\ndocker run -e 'A nginx\n")
    assert translation.empty
    assert translation.unsupported == [("run.sh:2", "unparsable")]


def test_translate_takes_commands_built_by_hand() -> None:
    translation = translate([RunCommand("run.sh", 1, NGINX)])
    assert translation is not None and not translation.empty
    assert translation.compose == {"services": {"nginx": {"image": "nginx", "ports": ["8082:80"]}}}


# --- hints ---------------------------------------------------------------------------------------


def test_advice_says_where_the_grading_comes_from_and_what_was_left_out(tmp_path: Path) -> None:
    translation = translated(tmp_path, "docker run -d -P nginx\ndocker run -e 'x\n")
    keys = [(h.key, dict(h.params)) for h in docker_run.advice(translation)]
    assert keys[0] == ("common.run_translated", {"file": "run.sh", "line": 1})
    assert keys[1][0] == "common.run_unsupported"
    assert keys[2] == ("common.run_unparsable", {"where": "run.sh:2"})


@pytest.mark.parametrize("reason", docker_run.REASONS)
def test_every_reason_has_a_message_in_french_and_in_english(reason: str) -> None:
    messages = Catalogue.load().messages()
    for lang in LANGS:
        assert messages.text(f"common.run_reason_{reason}", lang)


def test_the_advice_reads_like_this_in_both_languages(tmp_path: Path) -> None:
    translation = translated(tmp_path, "docker run -d -P nginx")
    messages = Catalogue.load().messages()
    rendered = {
        lang: [messages.render(h, lang) for h in docker_run.advice(translation)] for lang in LANGS
    }
    assert rendered["fr"] == [
        "Noté à partir de votre commande `docker run` (run.sh, ligne 1), traduite en un fichier Compose équivalent.",
        "Ces options de votre commande `docker run` n'ont pas été reprises pour la correction :\n"
        "• `-P` publie les ports sur des ports de l'hôte tirés au hasard : écrivez celui qui est demandé, par exemple `-p 8082:80`.",
    ]
    assert rendered["en"] == [
        "Graded from your `docker run` command (run.sh, line 1), translated into the equivalent Compose file.",
        "These options of your `docker run` command were not carried over into the grading:\n"
        "• `-P` publishes the ports on random host ports: write the one asked for, e.g. `-p 8082:80`.",
    ]


# --- Compose accepts the translation -------------------------------------------------------------

REALISTIC = """\
#!/bin/bash
docker run -d -p 8082:80 --name web --restart unless-stopped nginx:1.27
docker run -d -p 8888:8888 -e JUPYTER_ENABLE_LAB=yes \\
  -v "$(pwd)/notebooks":/home/jovyan/work -v cache:/home/jovyan/.cache \\
  --name jupyter quay.io/jupyter/base-notebook:2024-12-02 start-notebook.py --IdentityProvider.token=''
docker run -d --name db --env-file .env -e MARIADB_ROOT_PASSWORD -e 'MSG=5$ !' \\
  --mount type=volume,source=db_data,target=/var/lib/mysql --network wpnet mariadb:11
docker run -d -p 127.0.0.1:8000:80/tcp --link db -w /var/www/html -u 33:33 --init -it \\
  --mount type=bind,source=${PWD}/site,target=/var/www/html/site,readonly \\
  --entrypoint docker-entrypoint.sh -m 512m --cpus 1.5 wordpress:6 apache2-foreground
"""


@pytest.mark.docker
def test_docker_compose_config_accepts_the_translation_of_realistic_commands(
    tmp_path: Path, engine: object
) -> None:
    translation = translated(tmp_path, REALISTIC)
    assert list(translation.compose["services"]) == ["web", "jupyter", "db", "wordpress"]
    compose_file = tmp_path / "ex2" / "compose.yaml"
    compose_file.write_text(yaml.safe_dump(translation.compose, sort_keys=False), encoding="utf-8")
    environment = {k: v for k, v in os.environ.items() if not k.startswith("COMPOSE_")}
    result = subprocess.run(
        [*binary(), "-f", str(compose_file), "config", "--format", "json"],
        capture_output=True,
        text=True,
        cwd=compose_file.parent,
        env=environment,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    config = yaml.safe_load(result.stdout)
    assert config["services"]["web"]["ports"][0]["published"] == "8082"
    assert config["services"]["db"]["environment"]["MSG"] == "5$$ !"  # `config` escapes it again
    assert {m["source"] for m in config["services"]["jupyter"]["volumes"]} == {
        str(compose_file.parent / "notebooks"),
        "cache",
    }
