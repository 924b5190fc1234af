"""Why the engine would not create or start a container, or why it stopped: the engine's own
words, shortened, with what to try — never "exit code None".

    permission denied       an ENTRYPOINT/CMD script that is not executable
    exec format error       a script without its `#!` line, or built for another processor
    no such file…           a path that is not in the image, or a script saved with CRLF
    executable not found    a command that is not installed or not on PATH
    port already allocated  a host port that something else holds
    OOM                     the container went past its memory limit
"""

from __future__ import annotations

import re

from grader.model.hints import Hint, declared, hint

_CAUSES = (
    ("port_taken", ("port is already allocated", "address already in use")),
    ("permission_denied", ("permission denied",)),
    ("exec_format", ("exec format error",)),
    ("not_found", ("executable file not found", "command not found")),
    ("no_such_file", ("no such file or directory",)),
    ("oom", ("oomkilled", "out of memory", "oom-kill")),
)
HINT_KEYS = (*(f"common.container_{key}" for key, _ in _CAUSES), "common.container_refused")
_NOISE = re.compile(
    r"^(?:.*?(?:caused|error during container init|runc create failed):\s*)"
    r"|(?::\s*unknown)$|^OCI runtime (?:create|exec) failed:\s*",
    re.I,
)


def shortened(error: str, limit: int = 300) -> str:
    """`OCI runtime create failed: … caused: exec: "/entrypoint.sh": permission denied:
    unknown` → `exec: "/entrypoint.sh": permission denied`."""
    text = " ".join(error.split())
    for _ in range(3):
        text = _NOISE.sub("", text).strip()
    return text[:limit] or error[:limit]


def cause(error: str) -> str | None:
    lowered = error.lower()
    return next((key for key, signs in _CAUSES if any(s in lowered for s in signs)), None)


def refused(error: str) -> Hint:
    """The engine refused to create or start the container."""
    key = cause(error) or "refused"
    return hint(declared(f"common.container_{key}", HINT_KEYS), error=shortened(error))


# What the runtime prints as the container's only output when it cannot exec the command
# once the container has started (runc on Docker 20.10: `exec /entrypoint.sh: no such file or
# directory`, exit code 1).
_EXEC_FAILED = re.compile(r"^exec \S+: (?:permission denied|exec format error|no such file)", re.M)


def exec_failure(code: int | None, logs: str) -> Hint | None:
    """The runtime could not exec the command after the container started, or None."""
    lines = logs.strip().splitlines()
    if code in (None, 0) or not lines or not _EXEC_FAILED.match(lines[-1]):
        return None
    key = declared(f"common.container_{cause(lines[-1]) or 'refused'}", HINT_KEYS)
    return hint(key, error=shortened(lines[-1]))


def stopped(code: int, *, oom: bool = False, logs: str = "") -> Hint:
    """The container stopped by itself (or was killed) with exit `code`."""
    if oom or code == 137:
        return hint("common.container_oom", error=f"exit code {code}")
    return exec_failure(code, logs) or hint("common.container_exited", code=code)
