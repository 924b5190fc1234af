"""Find the `docker run` commands a student hands in: read as text, never executed.

Commands come from scripts (`*.sh`, `*.ps1`, `*.txt`…, and files with a shell `#!` line),
every line, and from the fenced code blocks of the folder's Markdown files. Prompts (`$ `,
`PS C:\\> `, `user@host:~$ `), `sudo`, continuations (a final backslash, PowerShell's
backtick, cmd's `^`), comments and `&&`/`;` chains are taken apart with `shlex`; what follows
`docker run` or `docker container run` is kept word for word, for `grader.containers.docker_run`.
"""

from __future__ import annotations

import itertools
import os
import re
import shlex
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeAlias

MAX_FILES = 40  # files read in one folder
MAX_FILE_BYTES = 256 * 1024
MAX_TOTAL_BYTES = 1024 * 1024
MAX_COMMANDS = 50
MAX_LINE = 20_000  # characters of one logical line (continuations joined)

MARKDOWN = (".md", ".markdown")
# Read line by line like a script: shell and Windows scripts, and plain text files (a student
# writing the answer in `commande.txt` has given the same answer).
SCRIPTS = (".sh", ".bash", ".zsh", ".ps1", ".bat", ".cmd", ".txt")
# Why a flag is not translated; each is the message `common.run_reason_<reason>`.

DOCKER_RUN = re.compile(r"\bdocker(?:\.exe)?\s+(?:container\s+)?run\b", re.I)
PROMPT = re.compile(
    r"""^\s*(?:
      (?P<win>PS(?:\s[^>]*)?>|[A-Za-z]:\\[^>]*>)\s*       # PS C:\tp>   C:\tp>
    | \[[^\]]*\][$#]\s*                                    # [user@host tp]$
    | (?:\([\w.-]+\)\s*)?[\w.-]+@[\w.-]+(?::\S*?|\s+\S+?)?\s*[$#%]\s*   # user@host:~/tp$
    | (?:\([\w.-]+\)\s*)?[$#%>❯]\s+                         # $  #  %  >  (venv) $
)""",
    re.X,
)
CONTINUED = re.compile(r"(?:\\|(?<=\s)(?P<win>[`^]))$")
FENCE = re.compile(r"^\s*(`{3,}|~{3,})(.*)$")
SHEBANG = re.compile(r"#!.*\b(?:ba|z|da|k)?sh\b")
WINDOWS = re.compile(r"%cd%|(?:\$\{?pwd\}?|\$\(pwd\)|\$\(Get-Location\))\\|\b[A-Za-z]:\\", re.I)
REDIRECT = re.compile(r"^(?:\d*[<>]|&>)")
SEPARATOR = re.compile(r"^[;&|]+$")
ASSIGNMENT = re.compile(r"^[A-Za-z_]\w*=")
PREFIXES = ("sudo", "winpty", "command", "nohup", "time")


@dataclass(frozen=True)
class RunCommand:
    file: str  # relative path in the submission folder: "README.md", "run.sh"
    line: int  # 1-based line where the command starts
    argv: list[str]  # the words after `docker run` / `docker container run`
    error: str = ""  # why the line could not be split (then argv is empty)


# --- finding the commands ----------------------------------------------------------------------


Pick: TypeAlias = Callable[[list[str]], list[str] | None]


def find_commands(
    folder: Path, *, pattern: re.Pattern[str] = DOCKER_RUN, pick: Pick | None = None
) -> list[RunCommand]:
    """Every `docker run` in the scripts and Markdown code blocks of `folder` (not sub-folders).

    Other commands with `pattern` (a line must match it to be split) and `pick` (the words
    kept of one simple command, None to skip it): `grader.containers.publish` reads every
    command of the folder that way."""
    found: list[RunCommand] = []
    budget = MAX_TOTAL_BYTES
    for path in _candidates(folder):
        if not path.suffix and not SHEBANG.match(read_capped(path, 128).decode(errors="replace")):
            continue  # a file without extension is read only when it is a shell script
        data = read_capped(path, min(MAX_FILE_BYTES, budget))
        budget -= len(data)
        text = data.decode("utf-8", errors="replace").lstrip("\ufeff")
        markdown = path.suffix.lower() in MARKDOWN
        for block in fenced_blocks(text) if markdown else [list(_numbered(text))]:
            for number, line, windows in _logical_lines(block):
                found += _commands(
                    path.name,
                    number,
                    line,
                    markdown=markdown,
                    windows=windows,
                    pattern=pattern,
                    pick=pick or _docker_run_argv,
                )
        if budget <= 0 or len(found) >= MAX_COMMANDS:
            break
    return found[:MAX_COMMANDS]


def _candidates(folder: Path) -> list[Path]:
    """Markdown files first, then scripts (the last command of a container wins)."""
    try:
        entries = list(itertools.islice(folder.iterdir(), 2000))
    except OSError:
        return []
    kept = [p for p in entries if not p.is_symlink() and _kind(p) is not None and p.is_file()]
    return sorted(kept, key=lambda p: (_kind(p), p.name))[:MAX_FILES]


def _kind(path: Path) -> int | None:
    suffix = path.suffix.lower()
    return 0 if suffix in MARKDOWN else 1 if suffix in SCRIPTS or not suffix else None


def read_capped(path: Path, limit: int) -> bytes:
    """At most `limit` bytes of a regular file, never through a symlink (b"" otherwise)."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        descriptor = os.open(path, flags)
    except OSError:
        return b""
    with os.fdopen(descriptor, "rb") as file:
        if limit <= 0 or not stat.S_ISREG(os.fstat(file.fileno()).st_mode):
            return b""
        return file.read(limit)


def _numbered(text: str) -> Iterator[tuple[int, str]]:
    return enumerate(re.split(r"\r\n|\r|\n", text), start=1)


def fenced_blocks(text: str) -> list[list[tuple[int, str]]]:
    """The lines inside each ``` or ~~~ fence, whatever the language tag."""
    blocks: list[list[tuple[int, str]]] = []
    fence: str | None = None
    for number, line in _numbered(text):
        match = FENCE.match(line)
        if fence is None:
            if match and not (match[1][0] == "`" and "`" in match[2]):
                fence = match[1]
                blocks.append([])
        elif match and match[1][0] == fence[0] and len(match[1]) >= len(fence) and not match[2]:
            fence = None
        else:
            blocks[-1].append((number, line))
    return blocks


def _logical_lines(block: list[tuple[int, str]]) -> Iterator[tuple[int, str, bool]]:
    """(first line, text, Windows-style continuation) with `\\`, ` or ^ continuations joined."""
    start, size, windows = 0, 0, False
    parts: list[str] = []
    for number, raw in block:
        line = raw.rstrip()
        if parts:  # a continuation line, maybe after a `> ` secondary prompt
            line = re.sub(r"^\s*>>?\s", " ", line)
        else:
            start = number
        continued = CONTINUED.search(line)
        windows = windows or bool(continued and continued["win"])
        parts.append(line[: continued.start()] if continued else line)
        size += len(parts[-1]) + 1
        if not continued or size > MAX_LINE:
            yield start, " ".join(parts), windows
            parts, size, windows = [], 0, False
    if parts:
        yield start, " ".join(parts), windows


def _commands(
    file: str,
    line: int,
    text: str,
    *,
    markdown: bool,
    windows: bool,
    pattern: re.Pattern[str],
    pick: Pick,
) -> list[RunCommand]:
    if not markdown and text.lstrip().startswith("#"):
        return []  # a comment of the script (in Markdown `# ` is root's prompt)
    prompt = PROMPT.match(text)
    if prompt:
        windows = windows or bool(prompt["win"])
        text = text[prompt.end() :]
    if len(text) > MAX_LINE or not pattern.search(text):
        return []
    windows = windows or bool(WINDOWS.search(text))
    try:
        words = _split(_strip_comment(text, windows=windows), windows=windows)
    except ValueError as error:
        return [RunCommand(file, line, [], error=str(error))]
    argvs = (pick(segment) for segment in _segments(words))
    return [RunCommand(file, line, argv) for argv in argvs if argv is not None]


def _strip_comment(text: str, *, windows: bool) -> str:
    """`text` up to an unquoted `#` that starts a word."""
    quote, escaped = "", False
    for index, char in enumerate(text):
        if escaped:
            escaped = False
        elif char == "\\" and not windows and quote != "'":
            escaped = True
        elif quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "#" and (index == 0 or text[index - 1].isspace()):
            return text[:index]
    return text


def _split(text: str, *, windows: bool) -> list[str]:
    lexer = shlex.shlex(text, posix=True, punctuation_chars=";&|")
    lexer.whitespace_split = True
    lexer.commenters = ""
    if windows:  # backslashes are path separators there, not escapes
        lexer.escape = ""
    return list(lexer)


def _segments(words: list[str]) -> Iterator[list[str]]:
    """The simple commands of a line joined by `&&`, `;`, `|`, ..., without redirections."""
    segment: list[str] = []
    for word in [*words, ";"]:
        if SEPARATOR.match(word):
            yield segment
            segment = []
        else:
            segment.append(word)


def without_redirections(words: list[str]) -> list[str]:
    return list(itertools.takewhile(lambda w: not REDIRECT.match(w), words))


def docker_argv(words: list[str]) -> list[str] | None:
    """The words after `docker` (`sudo`, `VAR=x` and the like skipped), None for another
    program."""
    words = without_redirections(words)
    index = 0
    while index < len(words) and (words[index] in PREFIXES or ASSIGNMENT.match(words[index])):
        index += 1
        sudo = words[index - 1] == "sudo"
        while sudo and index < len(words) and words[index][:1] == "-":
            index += 2 if words[index] in ("-u", "-g", "-C", "-D", "-h", "-p") else 1
    rest = words[index:]
    if not rest or Path(rest[0].replace("\\", "/")).name.lower() not in ("docker", "docker.exe"):
        return None
    return rest[1:]


def _docker_run_argv(words: list[str]) -> list[str] | None:
    rest = docker_argv(words)
    if rest is None:
        return None
    if rest[:1] == ["container"]:
        rest = rest[1:]
    return rest[1:] if rest[:1] == ["run"] else None


def commands_in_line(
    file: str, line: int, text: str, *, pattern: re.Pattern[str], pick: Pick
) -> list[RunCommand]:
    """The commands of one line of shell, as in a script (a CI job's `script:` entry)."""
    return _commands(file, line, text, markdown=False, windows=False, pattern=pattern, pick=pick)
