"""Host ports shared by parallel gradings: one lock file per fixed port.

Several exercises publish a port the statement fixes (8082, 8888, 8000…). Two gradings on
the same engine at once (`grader batch -j 2`, or two shards on one machine) would collide
on it, so a stack holds an exclusive `flock` on each host port it publishes for as long as
it runs. `flock` locks belong to the open file, so they serialise threads and processes
alike, and the kernel releases them when a holder dies, even by SIGKILL.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import tempfile
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

LOCK_DIR_VARIABLE = "GRADER_LOCK_DIR"


class PortBusy(Exception):
    """A port stayed locked by another grading for longer than we could wait."""

    def __init__(self, port: str, waited: float) -> None:
        super().__init__(f"port {port} still in use by another grading after {waited:.0f} s")
        self.port = port


def lock_dir() -> Path:
    folder = os.environ.get(LOCK_DIR_VARIABLE) or os.path.join(
        tempfile.gettempdir(), f"grader-ports-{os.getuid()}"
    )
    path = Path(folder)
    path.mkdir(parents=True, exist_ok=True)
    return path


RANGE_LOCKED = 16  # a wider host port range leaves the engine plenty of choice: not locked


def numbers(port: str) -> list[str]:
    """The host ports a published port names: `8082` → [8082]; a range (`5000-5002`, what a
    scaled service publishes) → each of them; anything else (empty, a variable) → none."""
    first, _, last = port.partition("-")
    if not first.isdigit() or not (last or first).isdigit():
        return []
    low, high = int(first), int(last or first)
    return [str(n) for n in range(low, high + 1)] if 0 <= high - low < RANGE_LOCKED else []


@contextlib.contextmanager
def held(ports: Iterable[str], *, timeout: float = 600.0, poll: float = 0.2) -> Iterator[float]:
    """Hold the locks of `ports` (in sorted order, so that two holders never deadlock);
    yields the seconds spent waiting. Raises PortBusy after `timeout`."""
    wanted = sorted({n for p in ports for n in numbers(str(p))}, key=int)
    started = time.monotonic()
    with contextlib.ExitStack() as stack:
        for port in wanted:
            handle = stack.enter_context(open(lock_dir() / f"{port}.lock", "a+b"))
            while True:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() - started > timeout:
                        raise PortBusy(port, time.monotonic() - started) from None
                    time.sleep(poll)
        yield time.monotonic() - started
