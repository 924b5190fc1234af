"""What a container's command does, read from its manifest (grader.k8s.pod_commands), and an
HTTP answer read back from a port-forward (grader.k8s.port_forward.parse)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grader.k8s import pod_commands
from grader.k8s.port_forward import parse


def shell(text: str, **extra: Any) -> dict[str, Any]:
    return {"command": ["sh", "-c", text], **extra}


@pytest.mark.parametrize(
    ("container", "what"),
    [
        (shell("echo hi > /work/index.html && sleep infinity"), "sleep infinity"),
        (shell("while true; do sleep 5; done"), "while true; do"),
        ({"command": ["tail", "-f", "/dev/null"]}, "tail -f /dev/null"),
        ({"args": ["nginx", "-g", "daemon off;"]}, "nginx -g daemon off;"),
        ({"image": "nginx:1.27"}, "nginx:1.27 (the image's own command)"),
    ],
)
def test_a_command_that_never_ends_is_named(container: dict[str, Any], what: str) -> None:
    found = pod_commands.endless(container, longer_than=60)
    assert found is not None and found.what == what and found.seconds is None


def test_a_long_sleep_is_told_with_its_seconds_and_a_short_one_is_not() -> None:
    assert pod_commands.endless(shell("sleep 1h"), longer_than=60) == pod_commands.Endless(
        "sleep 1h", 3600.0
    )
    assert pod_commands.endless({"command": ["sleep", "20"]}, longer_than=60) is None
    assert pod_commands.endless({"image": "busybox:1.36"}, longer_than=60) is None
    assert (
        pod_commands.endless(shell("while true; do [ -f /x ] && break; done"), longer_than=60)
        is None
    )


def test_the_files_written_follow_redirections_tee_cp_wget_and_cd() -> None:
    container = shell(
        "cd /work && echo '<h1>a</h1>' >index.html; cat a | tee -a b.html >/dev/null\n"
        "cp /etc/hostname /work/; wget -O/work/c.html http://x; curl --output=/d http://y"
    )
    writes = pod_commands.written_files(container)
    assert writes.paths == [
        "/work/index.html",
        "/work/b.html",
        "/work/hostname",
        "/work/c.html",
        "/d",
    ]
    assert writes.complete


def test_args_after_a_bare_shell_and_variables_of_the_manifest_are_read() -> None:
    container = {
        "command": ["/bin/sh", "-c"],
        "args": ["echo x > $DIR/index.html"],
        "env": [{"name": "DIR", "value": "/data"}],
    }
    assert pod_commands.written_files(container) == pod_commands.Writes(["/data/index.html"], True)


def test_what_cannot_be_followed_makes_the_reading_incomplete() -> None:
    unresolved = shell("echo x > /work/$SITE/index.html")
    assert pod_commands.written_files(unresolved) == pod_commands.Writes([], complete=False)
    unknown = shell('python3 -c \'open("/work/index.html", "w").write("x")\'')
    assert not pod_commands.written_files(unknown).complete
    assert not pod_commands.written_files({"image": "busybox"}).complete


def test_a_cloned_site_is_taken_to_bring_its_home_page() -> None:
    container = shell("apt-get update && apt-get install -y git && git clone https://h/s /w")
    assert pod_commands.written_files(container).paths == ["/w/index.html"]
    assert pod_commands.downloads(container) == ["apt-get update", "apt-get install", "https://h/s"]


def test_a_path_goes_through_a_volume_from_one_mount_to_the_other() -> None:
    init = {
        "volumeMounts": [
            {"name": "html", "mountPath": "/work"},
            {"name": "deep", "mountPath": "/work/deep"},
        ]
    }
    mount, inside = pod_commands.volume_of("/work/deep/a/index.html", init) or ({}, "")
    assert (mount["name"], inside) == ("deep", "a/index.html")
    assert pod_commands.volume_of("/usr/share/nginx/html/index.html", init) is None
    served = {"name": "html", "mountPath": "/usr/share/nginx/html"}
    assert pod_commands.in_container("index.html", served) == "/usr/share/nginx/html/index.html"
    one_file = {
        "name": "html",
        "mountPath": "/usr/share/nginx/html/index.html",
        "subPath": "index.html",
    }
    assert pod_commands.in_container("index.html", one_file) == "/usr/share/nginx/html/index.html"
    assert pod_commands.in_container("other.html", one_file) is None


def test_an_http_answer_read_back_from_a_port_forward() -> None:
    answer = parse("u", b"HTTP/1.1 403 Forbidden\r\nServer: nginx\r\n\r\n<html>403</html>")
    assert (answer.status, answer.headers, answer.body) == (
        403,
        {"Server": "nginx"},
        b"<html>403</html>",
    )
    assert parse("u", b"SSH-2.0-OpenSSH").status is None


PIECES = [
    *"ab /.$>|&;()'\"\\\n\t-=*{}",
    "echo ",
    "sleep ",
    "tee ",
    "cp ",
    "cd ",
    "wget -O ",
    "git clone ",
    "while true; do ",
    "done",
    "inf",
    "1h",
]
SHELLISH = st.lists(st.sampled_from(PIECES), max_size=25).map("".join)
WORDS = st.lists(st.one_of(st.text(max_size=8), st.integers(), st.none()), max_size=5)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(SHELLISH, WORDS, WORDS)
def test_any_command_is_read_without_an_exception(
    text: str, command: list[Any], args: list[Any]
) -> None:
    for container in (shell(text), {"command": command, "args": args}, {"args": text}):
        pod_commands.endless(container, longer_than=60)
        writes = pod_commands.written_files(container)
        pod_commands.downloads(container)
        assert all(path.startswith("/") for path in writes.paths)
