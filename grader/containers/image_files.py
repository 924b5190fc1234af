"""Which file of the build context a Dockerfile's `COPY`/`ADD` places at a path of the image.

Checks that compare what an image serves with the student's files must follow the
Dockerfile, not a file name: `COPY accueil.html /usr/share/nginx/html/index.html` serves
`accueil.html`. Read as Docker reads them: the last stage only, `WORKDIR` for relative
destinations, a destination ending in `/` (or an existing folder, or several sources) is a
folder, a folder source copies its contents, wildcards match in the context, and a later
`COPY` to the same path wins. `COPY --from=<stage>` and URLs bring nothing of the context.
"""

from __future__ import annotations

import posixpath
import shlex
from pathlib import Path

from grader.containers.dockerfile import Instruction, instructions

# Folders that exist in the official images before any COPY: a destination naming one of
# them without a trailing slash is still a folder.
KNOWN_FOLDERS = frozenset(
    {
        "/usr/share/nginx/html",
        "/usr/share/nginx",
        "/etc/nginx/conf.d",
        "/app",
        "/tmp",
        "/var/www/html",
        "/",
    }
)


def source_of(dockerfile: Path, target: str) -> Path | None:
    """The context file that ends up at `target` in the final image, or None."""
    context = dockerfile.parent
    found: Path | None = None
    workdir = "/"
    for step in _last_stage(instructions(dockerfile.read_text(encoding="utf-8", errors="replace"))):
        if step.keyword == "WORKDIR":
            workdir = posixpath.normpath(posixpath.join(workdir, step.args.strip() or "."))
        elif step.keyword in ("COPY", "ADD"):
            placed = _placed(step, context, workdir, target)
            found = placed if placed is not None else found
    return found


def _last_stage(steps: list[Instruction]) -> list[Instruction]:
    starts = [i for i, s in enumerate(steps) if s.keyword == "FROM"]
    return steps[starts[-1] + 1 :] if starts else steps


def _placed(step: Instruction, context: Path, workdir: str, target: str) -> Path | None:
    words = _words(step)
    if any(w.startswith("--from") for w in words):
        return None
    paths = [w for w in words if not w.startswith("--")]
    if len(paths) < 2:
        return None
    *sources, dest = paths
    folder = dest.endswith("/") or len(sources) > 1
    dest = posixpath.normpath(posixpath.join(workdir, dest))
    folder = folder or dest in KNOWN_FOLDERS
    for source in reversed(sources):  # the last source wins when two give the same name
        for path in _matches(context, source):
            found = _lands_at(path, context, dest, folder=folder, target=target)
            if found is not None:
                return found
    return None


def _words(step: Instruction) -> list[str]:
    if step.exec_form is not None:
        return [*step.flags, *step.exec_form]
    try:
        return shlex.split(step.args, posix=True)
    except ValueError:
        return step.args.split()


def _matches(context: Path, source: str) -> list[Path]:
    if "://" in source:
        return []
    clean = source.lstrip("/") or "."
    if any(c in clean for c in "*?["):
        return sorted(context.glob(clean))
    path = context / clean
    return [path] if path.exists() else []


def _lands_at(path: Path, context: Path, dest: str, *, folder: bool, target: str) -> Path | None:
    root = context.resolve()
    if path.is_dir():  # a folder's contents are copied into dest
        if not (target == dest or target.startswith(dest.rstrip("/") + "/")):
            return None
        inside = path / posixpath.relpath(target, dest)
    elif folder:
        inside = path if posixpath.join(dest, path.name) == target else None  # type: ignore[assignment]
    else:
        inside = path if dest == target else None  # type: ignore[assignment]
    if inside is None or not inside.is_file() or not inside.resolve().is_relative_to(root):
        return None
    return inside


def is_one_of(content: bytes, folder: Path, *, limit: int = 1024 * 1024) -> bool:
    """`content` is byte for byte one of the (small, non-empty) files of `folder`."""
    if not content or len(content) > limit:
        return False
    return any(
        path.is_file()
        and not path.is_symlink()
        and path.stat().st_size == len(content)
        and path.read_bytes() == content
        for path in folder.rglob("*")
    )
