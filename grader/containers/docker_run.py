"""Translate the `docker run` commands a student hands in into the equivalent Compose file.

The course's answer to ex2 is `docker run -d -p 8082:80 nginx`. A student who writes that
command in `ex2/*.sh`, or in a fenced block of a Markdown file of the folder, has done the
exercise: the command is translated into the equivalent Compose file, which the Compose
checks then grade. Nothing is ever executed: `grader.containers.run_commands` finds the
commands in the folder's files, read as text and split with `shlex`; here each option becomes
its Compose key, and what is not translated is noted, with a reason, for a hint (`advice`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.containers.run_commands import RunCommand, find_commands
from grader.model.hints import Hint, declared, hint

__all__ = [
    "REASONS",
    "RunCommand",
    "Translation",
    "advice",
    "find_commands",
    "from_folder",
    "translate",
]

REASONS = (
    "publish_all",
    "network",
    "windows_path",
    "substitution",
    "not_a_port",
    "bad_volume",
    "after_image",
    "no_image",
    "not_translated",
    "unknown",
)
HINT_KEYS = tuple(f"common.run_reason_{reason}" for reason in REASONS)


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


SHORT = {
    "d": "detach",
    "i": "interactive",
    "t": "tty",
    "P": "publish-all",
    "q": "quiet",
    "p": "publish",
    "v": "volume",
    "e": "env",
    "w": "workdir",
    "u": "user",
    "h": "hostname",
    "m": "memory",
    "l": "label",
    "a": "attach",
    "c": "cpu-shares",
}
BOOLEAN = _words(
    "detach interactive tty publish-all quiet rm init privileged read-only help no-healthcheck "
    "oom-kill-disable sig-proxy disable-content-trust"
)
VALUED = _words(
    "add-host annotation attach blkio-weight blkio-weight-device cap-add cap-drop cgroup-parent "
    "cgroupns cidfile cpu-count cpu-percent cpu-period cpu-quota cpu-rt-period cpu-rt-runtime "
    "cpu-shares cpus cpuset-cpus cpuset-mems detach-keys device device-cgroup-rule "
    "device-read-bps device-read-iops device-write-bps device-write-iops dns dns-option "
    "dns-search domainname entrypoint env env-file expose gpus group-add health-cmd "
    "health-interval health-retries health-start-interval health-start-period health-timeout "
    "hostname ip ip6 ipc isolation kernel-memory label label-file link link-local-ip log-driver "
    "log-opt mac-address memory memory-reservation memory-swap memory-swappiness mount name "
    "network network-alias oom-score-adj pid pids-limit platform publish pull restart runtime "
    "security-opt shm-size stop-signal stop-timeout storage-opt sysctl tmpfs ulimit user userns "
    "uts volume volume-driver volumes-from workdir"
)
ALIASES = {"net": "network", "net-alias": "network-alias", "dns-opt": "dns-option"}
# Flags kept under their Compose key (the policy refuses the dangerous ones as in Compose).
LISTS = {
    "publish": "ports",
    "env": "environment",
    "cap-add": "cap_add",
    "cap-drop": "cap_drop",
    "device": "devices",
    "device-cgroup-rule": "device_cgroup_rules",
    "security-opt": "security_opt",
    "label": "labels",
    "expose": "expose",
    "add-host": "extra_hosts",
    "dns": "dns",
    "tmpfs": "tmpfs",
    "sysctl": "sysctls",
    "group-add": "group_add",
    "link": "links",
}
SCALARS = {
    "restart": "restart",
    "workdir": "working_dir",
    "user": "user",
    "hostname": "hostname",
    "pid": "pid",
    "ipc": "ipc",
    "uts": "uts",
    "userns": "userns_mode",
    "cgroupns": "cgroup",
    "memory": "mem_limit",
    "cpus": "cpus",
    "shm-size": "shm_size",
    "stop-signal": "stop_signal",
}
SWITCHES = {
    "privileged": "privileged",
    "read-only": "read_only",
    "init": "init",
    "tty": "tty",
    "interactive": "stdin_open",
    "oom-kill-disable": "oom_kill_disable",
}
IGNORED = _words(
    "detach rm quiet help sig-proxy disable-content-trust pull detach-keys cidfile attach"
)
# Written after the image, these were meant for `docker run` (a classic slip).
RUN_FLAGS = _words(
    "-d -p -v -e -P -it -ti -dit -itd -dp --name --rm --detach --publish --volume --env --restart"
)

PWD = re.compile(
    r"^/?(?:\$\(pwd(?: -W)?\)|`pwd`|\$\{pwd\}|\$pwd(?!\w)|%cd%|\$\(Get-Location\))", re.I
)  # `/$(pwd)` and `$(pwd -W)`: Git Bash on Windows
DRIVE = re.compile(r"^[A-Za-z]:[\\/]")
PORT = re.compile(
    r"((\d{1,3}(\.\d{1,3}){3}|\[[0-9a-fA-F:]+\]):)?((\d+(-\d+)?)?:)?\d+(-\d+)?"
    r"(/(tcp|udp|sctp))?"
)
VALUE_LIKE = re.compile(r"[^=]*=.*|\d+(\.\d+)?[a-zA-Z]{0,3}|true|false", re.I)
VOLUME_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
BAD_DOLLAR = re.compile(r"\$(?!\{[A-Za-z_]\w*(?:[:?+-][^}$]*)?\}|[A-Za-z_])")


@dataclass
class Translation:
    compose: dict[str, Any]  # {"services": {...}, "volumes": {...}}, ready for yaml.safe_dump
    unsupported: list[tuple[str, str]]  # (flag as written, reason: one of REASONS or "unparsable")
    commands: list[RunCommand]  # the commands the services come from, in order

    @property
    def empty(self) -> bool:
        """True when every command found was unreadable: nothing to grade, only advice."""
        return not self.compose["services"]


def from_folder(folder: Path) -> Translation | None:
    """The translation of the `docker run` commands of `folder`, or None when it has none."""
    return translate(find_commands(folder))


def advice(translation: Translation) -> list[Hint]:
    """The hints saying where the grading came from and what was not translated."""
    found = [hint("common.run_translated", file=c.file, line=c.line) for c in translation.commands]
    notes = [(flag, why) for flag, why in translation.unsupported if why != "unparsable"]
    if notes:
        items = [hint(_reason_key(why), flag=flag) for flag, why in notes]
        found.append(hint("common.run_unsupported", items=items))
    unread = [flag for flag, why in translation.unsupported if why == "unparsable"]
    return found + [hint("common.run_unparsable", where=where) for where in unread]


def _reason_key(reason: str) -> str:
    return declared(f"common.run_reason_{reason}", HINT_KEYS)


# --- parsing one command -----------------------------------------------------------------------


@dataclass(frozen=True)
class _Option:
    name: str  # the canonical long name; "" when `docker run` has no such flag
    value: str | None
    written: str  # as the student wrote it, for the hint


def _parse(argv: list[str]) -> tuple[list[_Option], str | None, list[str]]:
    """(options, image, command): flags stop at the first word that is not one, or `--`."""
    options: list[_Option] = []
    index = 0
    while index < len(argv) and argv[index].startswith("-") and argv[index] != "-":
        word = argv[index]
        index += 1
        if word == "--":
            break
        rest = argv[index : index + 2]  # a flag looks at most two words ahead
        found, used = _long(word, rest) if word[1] == "-" else _short(word, rest)
        options += found
        index += used
    image = argv[index] if index < len(argv) else None
    return options, image, argv[index + 1 :]


def _long(word: str, rest: list[str]) -> tuple[list[_Option], int]:
    name, equals, value = word[2:].partition("=")
    name = ALIASES.get(name, name)
    known = name if name in VALUED or name in BOOLEAN else ""
    if equals:
        return [_Option(known, value, word)], 0
    if name in BOOLEAN or not rest or (not known and not _takes_value(rest)):
        return [_Option(known, None, word)], 0
    return [_Option(known, rest[0], f"{word} {rest[0]}")], 1


def _short(word: str, rest: list[str]) -> tuple[list[_Option], int]:
    """`-d`, `-dit`, `-dp 8082:80`, `-p8082:80`, `-e=K=V`."""
    found: list[_Option] = []
    letters = word[1:]
    for position, letter in enumerate(letters):
        name = SHORT.get(letter, "")
        last = position == len(letters) - 1
        if name in VALUED:
            attached = letters[position + 1 :]
            attached = attached[1:] if attached.startswith("=") else attached
            if attached or not rest:
                return [*found, _Option(name, attached or None, word)], 0
            return [*found, _Option(name, rest[0], f"-{letter} {rest[0]}")], 1
        if not name and last and _takes_value(rest):
            return [*found, _Option("", rest[0], f"-{letter} {rest[0]}")], 1
        found.append(_Option(name, None, f"-{letter}"))
    return found, 0


def _takes_value(rest: list[str]) -> bool:
    """Whether an unknown flag takes `rest[0]`: never when it may be the image."""
    if len(rest) < 2 or rest[0].startswith("-"):
        return False
    return _is_run_flag(rest[1]) or bool(VALUE_LIKE.fullmatch(rest[0]))


def _is_run_flag(word: str) -> bool:
    if word.startswith("--"):
        name = word[2:].partition("=")[0]
        return ALIASES.get(name, name) in VALUED | BOOLEAN
    return len(word) > 1 and word[0] == "-" and word[1] in SHORT


# --- translating one command -------------------------------------------------------------------


@dataclass
class _Entry:
    command: RunCommand
    service: dict[str, Any]
    name: str | None = None  # --name
    volumes: set[str] = field(default_factory=set)  # named volumes
    notes: list[tuple[str, str]] = field(default_factory=list)

    def add(self, key: str, value: Any) -> None:
        self.service.setdefault(key, []).append(value)

    def note(self, written: str, reason: str) -> None:
        self.notes.append((written, reason))

    def host_ports(self) -> set[str]:
        specs = (str(p).split("/")[0].rsplit(":", 2) for p in self.service.get("ports", []))
        return {parts[-2] for parts in specs if len(parts) > 1 and parts[-2]}


def _build(command: RunCommand) -> _Entry | None:
    options, image, args = _parse(command.argv)
    if image is None:
        return None
    entry = _Entry(command, {"image": image})
    if args:
        entry.service["command"] = args
    for option in options:
        _apply(entry, option)
    if args and args[0].partition("=")[0] in RUN_FLAGS:
        for word in args:
            if word.partition("=")[0] in RUN_FLAGS:
                entry.note(word, "after_image")
    return entry


def _apply(entry: _Entry, option: _Option) -> None:
    name, value, written = option.name, option.value, option.written
    if not name:
        entry.note(written, "unknown")
    elif name in BOOLEAN:
        if value is not None and value.lower() in ("false", "0"):
            return
        if name in SWITCHES:
            entry.service[SWITCHES[name]] = True
        elif name == "publish-all":
            entry.note(written, "publish_all")
        elif name == "no-healthcheck":
            entry.service["healthcheck"] = {"disable": True}
    elif name in IGNORED:
        return
    elif value is None:
        entry.note(written, "not_translated")
    elif name in HANDLERS:
        HANDLERS[name](entry, value, written)
    elif name in LISTS:
        entry.add(LISTS[name], value)
    elif name in SCALARS:
        entry.service[SCALARS[name]] = value
    else:
        entry.note(written, "not_translated")


def _publish(entry: _Entry, value: str, written: str) -> None:
    if PORT.fullmatch(value) or "$" in value:
        entry.add("ports", value)
    else:
        entry.note(written, "not_a_port")


def _host(source: str) -> tuple[str, str]:
    """(kind, source for Compose): `$(pwd)`, `${PWD}`, `%cd%`... become `.`."""
    source = PWD.sub(".", source, count=1).replace("\\", "/")
    if DRIVE.match(source):
        return "windows_path", source
    if "$(" in source or "`" in source:
        return "substitution", source
    if source.startswith(("/", "~", ".", "$")):
        return "bind", source
    if "/" in source:
        return "bind", f"./{source}"
    return ("volume" if VOLUME_NAME.fullmatch(source) else "bad_volume"), source


def _volume(entry: _Entry, value: str, written: str) -> None:
    head = value[:2] if DRIVE.match(value) else ""
    parts = value[len(head) :].split(":")
    parts[0] = head + parts[0]
    if len(parts) == 1:  # an anonymous volume: `-v /data`
        entry.add("volumes", value)
        return
    kind, source = _host(parts[0])
    if kind not in ("bind", "volume") or not parts[1]:
        entry.note(written, kind if kind != "bind" else "bad_volume")
        return
    if kind == "volume":
        entry.volumes.add(source)
    entry.add("volumes", ":".join([source, *parts[1:]]))


def _mount(entry: _Entry, value: str, written: str) -> None:
    fields = {k.strip().lower(): v for k, _, v in (i.partition("=") for i in value.split(","))}
    kind = fields.get("type", "volume")
    target = fields.get("target") or fields.get("dst") or fields.get("destination")
    source = fields.get("source") or fields.get("src") or ""
    if not target or kind not in ("bind", "volume", "tmpfs") or (kind == "bind" and not source):
        entry.note(written, "bad_volume")
        return
    mount: dict[str, Any] = {"type": kind, "target": target}
    if source and kind != "tmpfs":
        found, host = _host(source) if kind == "bind" else ("volume", source)
        if (kind, found) == ("bind", "volume"):  # `source=site`: a folder here
            found, host = "bind", f"./{host}"
        if found != kind or (kind == "volume" and not VOLUME_NAME.fullmatch(host)):
            entry.note(written, found if found in REASONS else "bad_volume")
            return
        mount["source"] = host
        entry.volumes |= {host} if kind == "volume" else set()
    if fields.get("readonly", fields.get("ro", "false")).lower() in ("", "1", "true"):
        mount["read_only"] = True
    if kind == "bind":  # as `-v` does: git keeps no empty folder
        mount["bind"] = {"create_host_path": True}
    entry.add("volumes", mount)


def _network(entry: _Entry, value: str, written: str) -> None:
    if value in ("host", "none"):  # `host` kept so that the policy refuses it, as in Compose
        entry.service["network_mode"] = value
    elif value not in ("bridge", "default"):
        entry.note(written, "network")


def _name(entry: _Entry, value: str, written: str) -> None:
    entry.name = value


def _entrypoint(entry: _Entry, value: str, written: str) -> None:
    entry.service["entrypoint"] = [value]


def _env_file(entry: _Entry, value: str, written: str) -> None:
    entry.add("env_file", {"path": PWD.sub(".", value).replace("\\", "/"), "required": False})


HANDLERS = {
    "publish": _publish,
    "volume": _volume,
    "mount": _mount,
    "network": _network,
    "name": _name,
    "entrypoint": _entrypoint,
    "env-file": _env_file,
}


# --- the Compose file --------------------------------------------------------------------------


def translate(commands: list[RunCommand]) -> Translation | None:
    """One service per container; a command for the same container as an earlier one (same
    `--name`, same words, or a host port already taken) replaces it: the last one wins."""
    if not commands:
        return None
    entries: list[_Entry] = []
    notes: list[tuple[str, str]] = []
    for command in commands:
        entry = None if command.error else _build(command)
        if entry is None:
            where = f"{command.file}:{command.line}"
            notes.append((where, "unparsable" if command.error else "no_image"))
            continue
        entries = [old for old in entries if not _replaces(entry, old)]
        entries.append(entry)
    compose: dict[str, Any] = {
        "services": {
            name: _escape(e.service) for name, e in zip(_names(entries), entries, strict=True)
        }
    }
    volumes = sorted(set().union(*(e.volumes for e in entries)))
    if volumes:
        compose["volumes"] = {name: {} for name in volumes}
    unsupported = [note for e in entries for note in e.notes] + notes
    return Translation(compose, unsupported, [e.command for e in entries])


def _replaces(new: _Entry, old: _Entry) -> bool:
    same_name = new.name is not None and new.name == old.name
    return (
        same_name
        or new.command.argv == old.command.argv
        or bool(new.host_ports() & old.host_ports())
    )


def _names(entries: list[_Entry]) -> list[str]:
    """Valid, unique service names: `--name`, else the image's repository."""
    names: list[str] = []
    for entry in entries:
        image = str(entry.service["image"]).split("@")[0].rsplit("/", 1)[-1].split(":")[0]
        base = re.sub(r"[^a-z0-9_-]+", "-", (entry.name or image).lower()).strip("-_")[:60]
        name, count = base or "app", 1
        while name in names:
            count += 1
            name = f"{base or 'app'}-{count}"
        names.append(name)
    return names


def _escape(value: Any) -> Any:
    """`$VAR` and `${VAR}` are left for Compose to interpolate; any other `$` is literal."""
    if isinstance(value, str):
        return BAD_DOLLAR.sub("$$", value)
    if isinstance(value, list):
        return [_escape(v) for v in value]
    if isinstance(value, dict):
        return {k: _escape(v) for k, v in value.items()}
    return value
