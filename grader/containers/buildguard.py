"""What the classic builder does not limit by itself: processes, wall-clock time and disk.

`docker build` (classic builder) takes memory and CPU limits for its `RUN` steps, nothing
else. So each build gets a cgroup parent of its own (`grader-build-<id>`):
- on a local engine with the cgroupfs driver (cgroup v1 or v2), the grader creates that
  cgroup first with `pids.max`, so a fork bomb in `RUN` meets the process limit the
  containers have; elsewhere (a remote engine, the systemd driver) it cannot, and says so
  (`pids_limited` is False);
- a watchdog thread finds the build's running `RUN` container by that cgroup parent and kills
  it when the build runs past its wall-clock budget or its writable layer grows past the disk
  budget; the build then fails with the reason.
"""

from __future__ import annotations

import contextlib
import secrets
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.containers.docker_host import engine_is_local

CGROUP_ROOT = Path("/sys/fs/cgroup")
POLL_SECONDS = 0.5


def pids_cgroup(name: str) -> Path | None:
    """Where `name`'s pids.max lives for a cgroupfs-driven local engine (v1 or v2)."""
    v1 = CGROUP_ROOT / "pids"
    if v1.is_dir():
        return v1 / name
    if (CGROUP_ROOT / "cgroup.controllers").is_file():
        return CGROUP_ROOT / name
    return None


def can_limit_pids(client: Any) -> bool:
    """Whether builds on this engine run under a process limit (see the module's docstring)."""
    with Guard(client, pids=64, seconds=1, disk_bytes=1) as guard:
        return guard.pids_limited


@dataclass
class Guard:
    """One build's cgroup parent and watchdog; use as a context manager around the build."""

    client: Any
    pids: int
    seconds: float
    disk_bytes: int
    name: str = field(default_factory=lambda: f"grader-build-{secrets.token_hex(6)}")
    cgroup_parent: str | None = None  # set on entry when the engine takes one (cgroupfs)
    pids_limited: bool = False
    stopped: str | None = None  # "timeout" or "disk" when the watchdog killed the build
    unguarded: str | None = None  # why a limit is off for this build, said in the report
    _done: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    _created: Path | None = None

    def _cgroupfs(self) -> bool:
        """A cgroup parent can be given only with the cgroupfs driver."""
        try:
            driver = str(self.client.info().get("CgroupDriver", ""))
        except Exception as error:
            self.unguarded = f"docker info failed: {type(error).__name__}: {error}"
            return False
        if driver != "cgroupfs":
            self.unguarded = f"the engine's cgroup driver is {driver or 'unknown'}, not cgroupfs"
        return driver == "cgroupfs"

    def __enter__(self) -> Guard:
        """Without a cgroup parent, neither the limit nor the watchdog can act: both are off,
        and `unguarded` says why."""
        if not self._cgroupfs():
            return self
        self.cgroup_parent = self.name
        if engine_is_local():
            self._limit_pids()
        else:
            self.unguarded = "the engine is not on this machine: no process limit"
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        if self._thread is not None:
            self._thread.join()
        if self._created is not None:
            for path in (self._created, *self._created.parent.parent.glob(f"*/{self.name}")):
                with contextlib.suppress(OSError):
                    path.rmdir()

    def _limit_pids(self) -> None:
        path = pids_cgroup(self.name)
        if path is None:
            return
        try:
            path.mkdir()
            (path / "pids.max").write_text(str(self.pids))
        except OSError as error:
            self.unguarded = f"no process limit: {path}: {error.strerror or error}"
            return
        self._created = path
        self.pids_limited = True

    def _watch(self) -> None:
        started = time.monotonic()
        while not self._done.wait(POLL_SECONDS):
            for container in self._running():
                if time.monotonic() - started > self.seconds:
                    self._kill(container, "timeout")
                elif self._size(container) > self.disk_bytes:
                    self._kill(container, "disk")

    def _running(self) -> list[str]:
        try:
            listed = self.client.api.containers(filters={"status": "running"})
            ids = [c["Id"] for c in listed]
            return [i for i in ids if self._parent(i) == self.name]
        except Exception:
            return []

    def _parent(self, container: str) -> str:
        try:
            info = self.client.api.inspect_container(container)
        except Exception:
            return ""
        return str((info.get("HostConfig") or {}).get("CgroupParent") or "").strip("/")

    def _size(self, container: str) -> int:
        try:
            [found] = self.client.api.containers(filters={"id": container}, size=True)
        except Exception:
            return 0
        return int(found.get("SizeRw") or 0)

    def _kill(self, container: str, reason: str) -> None:
        self.stopped = self.stopped or reason
        with contextlib.suppress(Exception):
            self.client.api.kill(container)
