"""What a container's command does, read from the manifest without running it: whether it
ends (an init container must, or the pod never starts) and which files it writes (to follow
them through a volume the containers share).

The command is `command` + `args` as Kubernetes runs them; a shell's `-c` script is split with
`shlex` into simple commands (`;`, `&&`, `||`, `|`, `&`, new lines), never executed. Where the
reading cannot tell (a program it does not know, a variable it cannot resolve), it says nothing:
a check built on it fails only on what it did read.
"""

from __future__ import annotations

import posixpath
import re
import shlex
from dataclasses import dataclass
from typing import Any

from grader.containers.images import repository
from grader.model.shapes import mapping, sequence

SHELLS = frozenset({"sh", "bash", "ash", "dash", "zsh", "ksh"})
SEPARATORS = frozenset(";&|()\n")  # the characters of what ends a simple command
# Images whose default command is a server: as an init container, it never ends.
SERVER_IMAGES = frozenset(
    {
        "nginx",
        "httpd",
        "nginxinc/nginx-unprivileged",
        "redis",
        "mysql",
        "mariadb",
        "postgres",
        "wordpress",
        "jupyter/base-notebook",
    }
)
# Programs (and shell words) that write no file but through a redirection, and the writers read.
QUIET = frozenset(
    {
        "echo",
        "printf",
        "sleep",
        "true",
        "false",
        ":",
        "ls",
        "cat",
        "mkdir",
        "chmod",
        "chown",
        "date",
        "env",
        "pwd",
        "exit",
        "set",
        "export",
        "test",
        "[",
        "whoami",
        "id",
        "hostname",
        "uname",
        "nslookup",
        "ping",
        "while",
        "until",
        "if",
        "then",
        "fi",
        "for",
        "done",
        "do",
        "else",
        "elif",
        "",
        "sh",
        "bash",
        "ash",
        "grep",
        "head",
        "wc",
        "sed",
        "base64",
    }
)
INSTALLERS = frozenset({"apt-get", "apt", "apk", "yum", "dnf", "microdnf", "pip", "pip3"})
WRITERS = frozenset({"tee", "touch", "cp", "mv", "install", "wget", "curl", "git"})
_ENDLESS_LOOP = re.compile(r"\bwhile\s+(true|:|\[\s*1\s*\])\s*;?\s*do\b")
_VARIABLE = re.compile(r"\$\{?(\w+)\}?")


@dataclass(frozen=True)
class Endless:
    """Why a command does not end (soon): `what` it runs, and for a long `sleep` its seconds."""

    what: str
    seconds: float | None = None  # None: never


def argv(container: dict[str, Any]) -> list[str] | None:
    """`command` + `args` as strings; None when neither is given (the image's own command)."""
    command, args = sequence(container.get("command")), sequence(container.get("args"))
    if "command" not in container and "args" not in container:
        return None
    return [str(word) for word in [*command, *args]]


def script(words: list[str]) -> str:
    """The shell text a command runs: a shell's `-c` script, else the words themselves."""
    if words and posixpath.basename(words[0]) in SHELLS:
        for at, word in enumerate(words[1:], start=1):
            if word.startswith("-") and not word.startswith("--") and "c" in word:
                return " ".join(words[at + 1 : at + 2])
    return shlex.join(words)


def simple_commands(text: str) -> list[list[str]] | None:
    """The simple commands of a shell text (None when it does not split: an open quote…)."""
    lexer = shlex.shlex(text.replace("\r", ""), posix=True, punctuation_chars=";&|<>()\n")
    lexer.whitespace = " \t"
    lexer.whitespace_split = True
    lexer.commenters = ""
    found: list[list[str]] = [[]]
    try:
        for token in lexer:
            if token and set(token) <= SEPARATORS:  # `;`, `&&`, a new line, `;\n`, `(`…
                found.append([])
            else:
                found[-1].append(token)
    except ValueError:
        return None
    return [words for words in found if words]


def _program(words: list[str]) -> list[str]:
    """The words without a leading `exec`, `nohup`, `busybox` or variable assignments."""
    while words and (
        words[0] in ("exec", "nohup", "busybox", "then", "do", "else")
        or re.match(r"^\w+=", words[0])
    ):
        words = words[1:]
    return words


def endless(container: dict[str, Any], *, longer_than: float) -> Endless | None:
    """What keeps the container's command from ending within `longer_than` seconds, if read."""
    words = argv(container)
    if words is None:
        image = str(container.get("image") or "")
        return Endless(f"{image} (the image's own command)") if _serves(image) else None
    text = script(words)
    if _ENDLESS_LOOP.search(text) and not re.search(r"\b(break|exit)\b", text):
        return Endless(_ENDLESS_LOOP.search(text).group(0))  # type: ignore[union-attr]
    for simple in simple_commands(text) or []:
        found = _endless_command(_program(simple), longer_than=longer_than)
        if found is not None:
            return found
    return None


def _serves(image: str) -> bool:
    return repository(image) in SERVER_IMAGES


def _endless_command(words: list[str], *, longer_than: float) -> Endless | None:
    if not words:
        return None
    name, rest, said = posixpath.basename(words[0]), words[1:], " ".join(words)
    if name == "sleep" and rest:
        seconds = _seconds(rest[0])
        if seconds is None or seconds > longer_than:
            return Endless(said, seconds)
    if name == "tail" and any(
        w in ("-f", "-F", "--follow") or w.startswith("--follow=") for w in rest
    ):
        return Endless(said)
    if name == "nginx" and any("daemon off" in w for w in rest):
        return Endless(said)
    if name in ("httpd-foreground", "apache2-foreground", "nginx-debug"):
        return Endless(said)
    if (name == "httpd" and "-f" in rest) or (name.startswith("python") and "http.server" in rest):
        return Endless(said)
    return None


def _seconds(word: str) -> float | None:
    """`sleep`'s duration in seconds: `20`, `1.5`, `2m`, `1h`, `1d`; None for `infinity`."""
    match = re.fullmatch(r"(\d+(?:\.\d+)?)([smhd]?)", word)
    if match is None:
        return None if word.lower().startswith("inf") else 0.0  # `$T`: cannot tell, not endless
    unit = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}[match.group(2)]
    return float(match.group(1)) * unit


@dataclass(frozen=True)
class Writes:
    """The absolute paths a command writes, in order; `complete` when every part of it was read
    (no program the reading does not know, no variable it cannot resolve)."""

    paths: list[str]
    complete: bool


def written_files(container: dict[str, Any]) -> Writes:
    """The files the container's command writes (`>`, `tee`, `cp`, `wget -O`, `git clone`…)."""
    words = argv(container)
    commands = simple_commands(script(words)) if words is not None else None
    if commands is None:  # the image's own command, or a script that does not split
        return Writes([], complete=False)
    env = {
        str(e.get("name")): str(e.get("value", ""))
        for e in sequence(container.get("env"))
        if isinstance(e, dict) and "value" in e
    }
    cwd, found, complete = str(container.get("workingDir") or "/"), [], True
    for simple in commands:
        words = [_expand(w, env) for w in _program(simple)]
        if words and words[0] == "cd":
            cwd = posixpath.normpath(posixpath.join(cwd, words[1] if len(words) > 1 else "/"))
            continue
        name = posixpath.basename(words[0]) if words else ""
        complete &= name in QUIET or name in WRITERS
        found += [posixpath.normpath(posixpath.join(cwd, p)) for p in _writes(words)]
    resolved = [path for path in found if "$" not in path]
    return Writes(
        [path for path in resolved if not path.startswith("/dev/")],
        complete=complete and len(resolved) == len(found),
    )


def _expand(word: str, env: dict[str, str]) -> str:
    return _VARIABLE.sub(lambda m: env.get(m.group(1), m.group(0)), word)


def _writes(words: list[str]) -> list[str]:
    """The files one simple command writes, as written (relative paths left relative)."""
    found = [words[at + 1] for at, word in enumerate(words[:-1]) if word in (">", ">>", ">|")]
    words = [
        w
        for at, w in enumerate(words)
        if w not in (">", ">>", ">|", "<")
        and (at == 0 or words[at - 1] not in (">", ">>", ">|", "<"))
    ]
    if not words:
        return found
    name, rest = posixpath.basename(words[0]), words[1:]
    operands = [w for w in rest if not w.startswith("-")]
    if name == "tee" or name == "touch":
        found += operands
    elif name in ("cp", "mv", "install") and len(operands) >= 2:
        target = operands[-1]
        found += (
            [posixpath.join(target, posixpath.basename(s)) for s in operands[:-1]]
            if target.endswith("/")
            else [target]
        )
    elif name in ("wget", "curl"):
        found += _download_target(name, rest)
    elif name == "git" and rest[:1] == ["clone"] and len(operands) >= 2:
        # a site cloned into a folder: its home page taken to be there (the live tier tells)
        folder = operands[2] if len(operands) > 2 else posixpath.basename(operands[1])
        found.append(posixpath.join(folder.removesuffix(".git"), "index.html"))
    return found


def downloads(container: dict[str, Any]) -> list[str]:
    """What the container's command fetches from the network: URLs (`wget`, `curl`, `git
    clone`) and package installs (`apt-get`, `apk`, `pip`…, named by their command)."""
    words = argv(container)
    found = []
    for simple in simple_commands(script(words)) or [] if words is not None else []:
        simple = _program(simple)
        name = posixpath.basename(simple[0]) if simple else ""
        if name in ("wget", "curl", "git"):
            found += [w for w in simple[1:] if re.match(r"^(https?|ftp|git)://", w)]
        elif name in INSTALLERS and set(simple[1:]) & {"update", "install", "add"}:
            found.append(" ".join(simple[:2]))
    return found


def _download_target(name: str, rest: list[str]) -> list[str]:
    flags = ("-O", "--output-document") if name == "wget" else ("-o", "--output")
    for at, word in enumerate(rest):
        if word in flags and at + 1 < len(rest):
            return [rest[at + 1]]
        for flag in flags:
            if word.startswith(flag) and len(word) > len(flag):
                return [word[len(flag) :].lstrip("=")]
    return []


def mounts(container: dict[str, Any]) -> list[dict[str, Any]]:
    return [mapping(m) for m in sequence(container.get("volumeMounts")) if isinstance(m, dict)]


def in_volume(path: str, mount: dict[str, Any]) -> str | None:
    """Where `path` (in the container) is inside the mounted volume ("" its root), or None."""
    at = posixpath.normpath(str(mount.get("mountPath") or "/"))
    if path != at and not path.startswith(at.rstrip("/") + "/"):
        return None
    inside = posixpath.relpath(path, at) if path != at else ""
    sub = str(mount.get("subPath") or "").strip("/")
    found = posixpath.normpath(posixpath.join(sub, inside)) if sub or inside else ""
    return "" if found == "." else found


def volume_of(path: str, container: dict[str, Any]) -> tuple[dict[str, Any], str] | None:
    """(the mount, the path inside its volume) where the container writes `path`: the deepest
    mount holding it; None when it is the container's own file system (lost with it)."""
    holding = [(m, inside) for m in mounts(container) if (inside := in_volume(path, m)) is not None]
    if not holding:
        return None
    return max(holding, key=lambda found: len(str(found[0].get("mountPath") or "")))


def in_container(volume_path: str, mount: dict[str, Any]) -> str | None:
    """Where a path of the volume appears in a container that mounts it so, or None."""
    sub = str(mount.get("subPath") or "").strip("/")
    if sub and volume_path != sub and not volume_path.startswith(sub + "/"):
        return None
    inside = posixpath.relpath(volume_path, sub) if sub else volume_path
    at = str(mount.get("mountPath") or "/")
    return posixpath.normpath(posixpath.join(at, inside)) if inside not in ("", ".") else at
