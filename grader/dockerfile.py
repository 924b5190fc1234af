"""Reading a student's Dockerfile: why a build failed, and hadolint's advice."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from grader.engine import BuildResult
from grader.hints import Hint, hint

_MISSING_PACKAGE = re.compile(r"Unable to locate package (\S+)")
_PARSE_LINE = re.compile(r"line (\d+)")
# apt ≥ 1.1 (Debian 9, Ubuntu 16.04 on): `E: The repository '<uri> <suite> Release' does not
# have a Release file.`; older apt (the real ubuntu:14.04, debian:8): `W: Failed to fetch
# <uri>/dists/<suite>/…  404  Not Found`.
_RELEASE_GONE = re.compile(
    r"The repository '(\S+) (\S+) Release' does not have a Release file"
    r"|Failed to fetch (\S+?)/dists/([^/\s]+)/\S*\s+404\s+Not Found"
)
_STEP = re.compile(r"^Step \d+/\d+ : (\S+)\s*(\S*)", re.M)
_COPY_MISSING = re.compile(
    r"(?:COPY|ADD) failed: (?:file not found in build context[^:]*: )?"
    r"(?:stat )?(\S+?):? (?:file does not exist|no such file)",
    re.I,
)


@dataclass(frozen=True)
class Instruction:
    keyword: str  # upper case: FROM, RUN, CMD...
    args: str  # continuation lines joined with a space
    line: int  # first line, counted from 1

    @property
    def exec_form(self) -> list[str] | None:
        """The JSON array of `CMD ["a", "b"]`-style arguments, or None for the shell form."""
        try:
            value = json.loads(self.args)
        except ValueError:
            return None
        return value if isinstance(value, list) and all(isinstance(v, str) for v in value) else None


def image_tag(ref: str) -> str | None:
    """`nginx:1.25-alpine` → `1.25-alpine`; None when no tag is written (nor a digest)."""
    if "@" in ref:
        return ref.split("@", 1)[1]
    last = ref.rsplit("/", 1)[-1]
    return last.split(":", 1)[1] if ":" in last else None


def instructions(text: str) -> list[Instruction]:
    """A Dockerfile's instructions, continuation lines joined, comments dropped."""
    found: list[Instruction] = []
    pending: list[str] = []
    start = 0
    text = text.removeprefix("\ufeff")  # a UTF-8 BOM (Windows editors): Docker skips it
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if pending and line.startswith("#"):
            continue
        if not pending:
            start = number
        pending.append(line[:-1].strip() if line.endswith("\\") else line)
        if line.endswith("\\"):
            continue
        keyword, _, args = " ".join(p for p in pending if p).partition(" ")
        found.append(Instruction(keyword.upper(), args.strip(), start))
        pending = []
    return found


_NO_MORE_PROCESSES = ("Resource temporarily unavailable", "Cannot fork", "can't fork")


def tail(text: str, lines: int = 25) -> str:
    return "\n".join(text.rstrip().splitlines()[-lines:])


def build_hint(build: BuildResult, dockerfile: Path) -> Hint:
    """The most specific explanation of a failed build that the log supports."""
    log, error = build.log, build.error or ""
    source = dockerfile.read_text(encoding="utf-8", errors="replace")
    details = tail(log)
    if "parse error" in error or "unknown instruction" in error:
        line = _PARSE_LINE.search(error)
        return hint("common.build_syntax", error=error, line=line.group(1) if line else "?",
                    details=details)  # fmt: skip
    if "Do you want to continue?" in log and "Abort" in log:
        return hint("common.build_needs_yes", details=details)
    gone = _RELEASE_GONE.search(log)
    if gone:
        repository, suite = (gone.group(1), gone.group(2)) if gone.group(1) else gone.group(3, 4)
        return hint("common.build_release_gone", repository=repository, suite=suite,
                    details=details)  # fmt: skip
    package = _MISSING_PACKAGE.search(log)
    if package:
        key = (
            "common.build_unknown_package"
            if "apt-get update" in source
            else "common.build_no_update"
        )
        return hint(key, package=package.group(1), details=details)
    missing = _COPY_MISSING.search(log + "\n" + error)
    if missing:
        return hint("common.build_copy_missing", file=missing.group(1).strip("/"), details=details)
    steps = _STEP.findall(log)
    if steps and steps[-1][0].upper() == "FROM":
        return hint("common.build_base_missing", image=steps[-1][1], error=error, details=details)
    if any(sign in log for sign in _NO_MORE_PROCESSES):
        return hint("common.build_too_many_processes", details=details)
    if error == "timeout":
        return hint("common.build_timeout", details=details)
    if error == "disk":
        return hint("common.build_too_big", details=details)
    return hint("common.build_failed", error=error, details=details)


@dataclass
class Finding:
    code: str
    line: int
    message: str


def hadolint_binary() -> str | None:
    beside = Path(sys.executable).parent / "hadolint"
    return str(beside) if beside.is_file() else shutil.which("hadolint")


def hadolint(dockerfile: Path, *, timeout: int = 20) -> list[Finding] | None:
    """hadolint's findings (ignore pragmas disabled), or None when hadolint is unavailable."""
    binary = hadolint_binary()
    if binary is None:
        return None
    done = subprocess.run(
        [binary, "--no-color", "--disable-ignore-pragma", "-f", "json", str(dockerfile)],
        capture_output=True, text=True, timeout=timeout, check=False,
    )  # fmt: skip
    try:
        raw = json.loads(done.stdout or "[]")
    except ValueError:
        return None
    return [Finding(str(f["code"]), int(f["line"]), str(f["message"])) for f in raw]


TRANSLATED = ("DL3002", "DL3006", "DL3007", "DL3008", "DL3009", "DL3014", "DL3015", "DL3020",
              "DL3025", "DL3027", "DL3059", "DL4000")  # fmt: skip


def finding_hint(finding: Finding) -> Hint:
    key = (
        f"common.hadolint_{finding.code}"
        if finding.code in TRANSLATED
        else "common.hadolint_finding"
    )
    return hint(key, line=finding.line, code=finding.code, message=finding.message)


def advice_hint(dockerfile: Path) -> Hint | None:
    """hadolint's advice as one hint, or None when there is nothing to say."""
    findings = hadolint(dockerfile)
    if findings is None:
        return hint("common.hadolint_missing")
    if not findings:
        return None
    return hint("common.hadolint_advice", findings=[finding_hint(f) for f in findings])
