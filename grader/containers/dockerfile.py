"""Reading a student's Dockerfile: why a build failed, and hadolint's advice."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass, replace
from pathlib import Path

import dockerfile as buildkit  # buildkit's Dockerfile parser (PyPI: dockerfile)

from grader.containers.engine import BuildResult
from grader.model.hints import Hint, hint

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


# Which instructions Docker reads a JSON array for (`CMD ["nginx", "-g", "daemon off;"]`), and
# which may carry here-documents (`RUN <<EOF`); ONBUILD wraps one of them.
_JSON_KEYWORDS = frozenset({"ADD", "COPY", "CMD", "ENTRYPOINT", "RUN", "SHELL", "VOLUME"})
_HEREDOC_KEYWORDS = frozenset({"ADD", "COPY", "RUN"})


@dataclass(frozen=True)
class Instruction:
    keyword: str  # upper case: FROM, RUN, CMD...
    args: str  # what follows the keyword, continuation lines joined as Docker joins them
    line: int  # first line, counted from 1
    heredocs: tuple[str, ...] = ()  # the bodies of its `<<EOF` here-documents, in order

    @property
    def flags(self) -> list[str]:
        """The `--name=value` options written before the arguments (`COPY --from=build …`)."""
        return _split_flags(self.args)[0]

    @property
    def exec_form(self) -> list[str] | None:
        """The JSON array of `CMD ["a", "b"]`-style arguments (after any flags), or None for the
        shell form. Read as Docker reads it: a strict JSON array of strings, nothing after it."""
        if self.keyword not in _JSON_KEYWORDS:
            return None
        try:
            value = json.loads(_split_flags(self.args)[1])
        except ValueError:
            return None
        return value if isinstance(value, list) and all(isinstance(v, str) for v in value) else None

    @property
    def text(self) -> str:
        """`args` then the here-documents' bodies: all a `RUN <<EOF` runs, all a `COPY` says."""
        return "\n".join((self.args, *self.heredocs))


_FLAGS = re.compile(r"""(?:--(?:[^\s"'\\]|\\.|"[^"]*"|'[^']*')*(?:\s+|$))*""", re.S)


def _split_flags(args: str) -> tuple[list[str], str]:
    flags = _FLAGS.match(args)
    end = flags.end() if flags else 0
    return args[:end].split(), args[end:]


def image_tag(ref: str) -> str | None:
    """`nginx:1.25-alpine` → `1.25-alpine`; None when no tag is written (nor a digest)."""
    if "@" in ref:
        return ref.split("@", 1)[1]
    last = ref.rsplit("/", 1)[-1]
    return last.split(":", 1)[1] if ":" in last else None


def instructions(text: str) -> list[Instruction]:
    """A Dockerfile's instructions as Docker reads them, comments and parser directives dropped.

    buildkit's own parser (the `dockerfile` package) reads the file: the `# escape=` directive,
    continuation lines (comments between them), a BOM, CRLF endings, JSON arrays. The buildkit
    it embeds (0.9) was built without here-documents (experimental then), so those are read
    here as Docker reads them today (see `_heredocs`). A Dockerfile Docker refuses (`ENV` with
    no value, `CMD ["a", 1]`, an unterminated here-document...) fails its build check, which
    says why; it is read line by line instead (`_read_by_hand`), so that the other checks
    still see its instructions.
    """
    text = _UNSAFE.sub("\ufffd", text)
    try:
        return _read(text)
    except _Refused:
        return _read_by_hand(text)


# The text is handed to Go as a C string: a NUL would silently end it, a lone surrogate (not
# UTF-8) crashes the interpreter.
_UNSAFE = re.compile("[\x00\ud800-\udfff]")
_KEYWORD = re.compile(r"[\t\v\f\r ]+")  # what separates the keyword from its arguments
_NO_INSTRUCTIONS = "file with no instructions"  # buildkit's refusal of an empty Dockerfile


class _Refused(Exception):
    """Docker would not read this Dockerfile."""


@dataclass(frozen=True)
class _Step:
    instruction: Instruction
    end: int  # last line, counted from 1


def _read(text: str) -> list[Instruction]:
    """buildkit's reading, here-documents read from the lines after their instruction (buildkit
    0.9 takes those lines for instructions: they are left out, and blanked out of the text when
    it must be read again); raises _Refused."""
    lines = text.split("\n")  # as Go reads lines: `\r\n` is a line break, a lone `\r` is not
    bodies: dict[int, tuple[str, ...]] = {}  # an instruction's first line → its here-documents
    while True:
        steps, refused = _parse(lines)
        kept: list[_Step] = []
        body_end = 0  # the last line of the latest here-document
        blanked = overrun = False
        for step in steps:
            first = step.instruction.line
            if first <= body_end:  # a line of a here-document, taken for an instruction
                overrun |= step.end > body_end  # and for one that goes on after it
                continue
            kept.append(step)
            names = [] if first in bodies else _heredocs(step.instruction)
            if names:
                bodies[first], body_end = _heredoc_bodies(lines, step.end, names)
                lines[step.end : body_end] = [""] * (body_end - step.end)
                blanked = True
        if refused and not blanked:
            raise _Refused
        if not refused and not overrun:
            return [
                replace(s.instruction, heredocs=bodies.get(s.instruction.line, ())) for s in kept
            ]


def _parse(lines: list[str]) -> tuple[list[_Step], bool]:
    """The instructions buildkit reads, and whether it refuses the text. When it does, the
    instructions before the one it refuses (a here-document's body may be what it refuses)."""
    try:
        return _go_parse("\n".join(lines)), False
    except buildkit.GoParseError:
        pass
    # Cut only between instructions, where reading more lines adds instructions and changes
    # none: the longest such prefix that buildkit reads ends before the instruction it refuses.
    cuts = _instruction_ends(lines)
    good, bad, found = 0, len(cuts), []  # cuts[good] is read, cuts[bad] is refused
    while bad - good > 1:
        middle = (good + bad) // 2
        try:
            found, good = _go_parse("\n".join(lines[: cuts[middle]])), middle
        except buildkit.GoParseError:
            bad = middle
    return found, True


_CONTINUED = re.compile(r"[\\`][ \t]*\r?$")  # either escape character


def _instruction_ends(lines: list[str]) -> list[int]:
    """0 and every line count after which no instruction goes on (a line ending in `\\` or
    a backquote goes on, whatever the escape character: a cut too few is harmless)."""
    cuts, going_on = [0], False
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            going_on = _CONTINUED.search(line) is not None
        if not going_on:
            cuts.append(number)
    return cuts


def _go_parse(text: str) -> list[_Step]:
    try:
        commands = buildkit.parse_string(text)
    except buildkit.GoParseError as error:
        if str(error) == _NO_INSTRUCTIONS:
            return []
        raise
    steps = []
    for command in commands:
        if not command.cmd or command.original is None:  # a lone continuation line
            continue
        keyword, *rest = _KEYWORD.split(str(command.original).strip(), maxsplit=1)
        instruction = Instruction(
            keyword.upper(), rest[0].strip() if rest else "", int(command.start_line)
        )
        steps.append(_Step(instruction, int(command.end_line)))
    return steps


# Here-documents as buildkit reads them since Dockerfile 1.4: in a RUN, COPY or ADD (or an
# ONBUILD of one) not in JSON form, each word `<<EOF`, `<<-EOF` (tabs stripped), `<<"EOF"`,
# `3<<EOF` opens one; its body is the lines after the instruction up to the one that is the
# name alone. Several on one line follow one another.
_SHELL_WORD = re.compile(r"""(?:[^\s'"\\]|\\.?|'[^']*'?|"(?:[^"\\]|\\.)*"?)+""", re.S)
_HEREDOC = re.compile(r"(\d*)<<(-?)([^<]*)")
_LEADING_TABS = re.compile(r"^\t+", re.M)


def _heredocs(step: Instruction) -> list[tuple[str, bool]]:
    """The names of the here-documents `step` opens, each with whether tabs are stripped."""
    keyword, args = step.keyword, step.args
    if keyword == "ONBUILD":
        inner, *rest = _KEYWORD.split(args, maxsplit=1)
        keyword, args = inner.upper(), rest[0] if rest else ""
    if "<<" not in args or keyword not in _HEREDOC_KEYWORDS:
        return []
    if Instruction(keyword, args, step.line).exec_form is not None:
        return []
    names = []
    for word in _SHELL_WORD.findall(args):
        match = _HEREDOC.fullmatch(word)
        if not match or not match.group(3):
            continue
        try:
            name = shlex.split(match.group(3))
        except ValueError as error:  # `<<"EOF`: buildkit refuses the line
            raise _Refused from error
        if len(name) == 1:
            names.append((name[0], match.group(2) == "-"))
    return names


def _heredoc_bodies(
    lines: list[str], start: int, names: list[tuple[str, bool]]
) -> tuple[tuple[str, ...], int]:
    """The bodies of the here-documents `names` whose lines start at index `start`, and the
    index after the last terminator; raises _Refused for an unterminated one."""
    bodies, index = [], start
    for name, chomp in names:
        body = []
        while True:
            if index >= len(lines):
                raise _Refused  # buildkit: "unterminated heredoc"
            line, index = lines[index], index + 1
            candidate = line.rstrip("\r")
            if (candidate.lstrip("\t") if chomp else candidate) == name:
                break
            body.append(line + "\n")
        text = "".join(body)
        bodies.append(_LEADING_TABS.sub("", text) if chomp else text)
    return tuple(bodies), index


def _read_by_hand(text: str) -> list[Instruction]:
    """Line by line, for a Dockerfile Docker refuses: continuation lines joined with a space,
    comments dropped (here-documents and the escape directive are not read)."""
    found: list[Instruction] = []
    pending: list[str] = []
    start = 0
    text = text.removeprefix("\ufeff")  # a UTF-8 BOM (Windows editors): Docker skips it
    for number, raw in enumerate(text.split("\n"), start=1):  # lines as Go counts them
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
    if pending:  # the file ends on a continuation line
        keyword, _, args = " ".join(p for p in pending if p).partition(" ")
        found.append(Instruction(keyword.upper(), args.strip(), start))
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
        return hint(
            "common.build_syntax", error=error, line=line.group(1) if line else "?", details=details
        )
    if "Do you want to continue?" in log and "Abort" in log:
        return hint("common.build_needs_yes", details=details)
    gone = _RELEASE_GONE.search(log)
    if gone:
        repository, suite = (gone.group(1), gone.group(2)) if gone.group(1) else gone.group(3, 4)
        return hint(
            "common.build_release_gone", repository=repository, suite=suite, details=details
        )
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
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    try:
        raw = json.loads(done.stdout or "[]")
    except ValueError:
        return None
    return [Finding(str(f["code"]), int(f["line"]), str(f["message"])) for f in raw]


TRANSLATED = (
    "DL3002",
    "DL3006",
    "DL3007",
    "DL3008",
    "DL3009",
    "DL3014",
    "DL3015",
    "DL3020",
    "DL3025",
    "DL3027",
    "DL3059",
    "DL4000",
)


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
