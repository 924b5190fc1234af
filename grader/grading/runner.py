"""Run exercises against a student repository: pytest in a subprocess, JSON hand-off.

`pytest.main()` cannot be called twice in one process, and the student's folder must never
be able to configure pytest. So each grading run is one `python -P -m pytest` subprocess
started from a private empty folder, with plugin auto-loading off, an empty ini file, and only
the grader's own check modules on the command line: a `conftest.py`, `pytest.ini` or
`sitecustomize.py` in the student's folder is never on any path pytest or Python looks at.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from grader import __version__
from grader.containers.unavailable import EngineUnavailable
from grader.grading import durations, handoff, provenance, started
from grader.grading.session import ClusterChoice
from grader.model.catalogue import Catalogue, Exercise, Pack
from grader.model.course_policy import DEFAULT, CoursePolicy
from grader.model.hidden import Hiding
from grader.model.hints import hint
from grader.model.lateness import Lateness
from grader.model.results import ExerciseResult, Report, exercise_from

if TYPE_CHECKING:
    from grader.containers.engine import Client

GRACE_SECONDS = 15


def grade(
    exercises: Sequence[Exercise],
    *,
    root: Path,
    lang: str = "fr",
    mode: str = "files",
    catalogue: Catalogue,
    debug: bool = False,
    cluster: ClusterChoice | None = None,
    stop: threading.Event | None = None,
    policy: CoursePolicy = DEFAULT,
    jobs: int = 1,
    progress: Callable[[str, float], None] | None = None,
    not_started: Mapping[str, str | None] | None = None,
    student: str | None = None,
) -> Report:
    """Grade `exercises` in `root`: in one pytest child, or with `jobs` > 1 in `jobs` children
    at once, the exercises shared out by their last durations (`grader.grading.durations`;
    host ports fixed by a statement are locked as in a batch, `grader.containers.ports`);
    `progress(exercise id, seconds)` hears of each one done.
    `policy`: the course's (`grader.model.course_policy`), and the report comes back under
    it: strict or not, weighted, without the checks it hides from the student before their
    date (those are counted, never run), and — told whose work it is (`student`, a batch) —
    with the lateness of each exercise that has a deadline (from its commit dates).
    `not_started`: the exercises not started (`grader.grading.started.triage`), each with why
    it is due, if it is: none of their checks runs, each is one result with its points at stake.
    Raises EngineUnavailable when Docker is needed and absent, KeyboardInterrupt when `stop`
    is set meanwhile (the run is stopped and cleaned up)."""
    hidden, not_started = policy.hidden, not_started or {}
    to_run = [e for e in exercises if e.id not in not_started]
    # The engine is reached (and the docker SDK imported) while the checks' process starts.
    engine = _Connecting() if any("docker" in e.needs for e in to_run) else None
    run_id = secrets.token_hex(4)
    clock = time.monotonic()
    report = Report(
        grader_version=__version__,
        lang=lang,
        mode=mode,
        root=str(root),
        started_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        strict=policy.strict,
    )
    parallel = jobs > 1 and len(to_run) > 1
    groups = durations.pack(to_run, jobs, durations.load()) if parallel else [to_run]
    groups = [g for g in groups if g]
    outcomes: dict[str, tuple[ExerciseResult | None, str | None, str]] = {}
    halt = stop if stop is not None or len(groups) == 1 else threading.Event()
    with tempfile.TemporaryDirectory(prefix=f"grader-{run_id}-") as tmp:

        def child(group: list[Exercise], work: Path) -> None:
            begun = time.monotonic()
            work.mkdir()
            raw, (crash, log) = _run_pytest(
                group,
                run_id=run_id,
                root=root,
                lang=lang,
                mode=mode,
                work=work,
                debug=debug,
                stop=halt,
                cluster=cluster or ClusterChoice(),
                packs=catalogue.packs,
                hidden=hidden,
            )
            seconds = time.monotonic() - begun
            for exercise in group:
                outcomes[exercise.id] = (raw.get(exercise.id), crash, log)
                if progress is not None:
                    progress(exercise.id, seconds)

        try:
            _in_parallel(
                child, [(g, Path(tmp) / str(i)) for i, g in enumerate(groups)], jobs=jobs, halt=halt
            )
        finally:
            client = engine.client() if engine is not None else None
            if client is not None:
                from grader.containers.engine import sweep

                sweep(client, run_id=run_id)
    if engine is not None and engine.error is not None:
        raise engine.error  # the checks could not reach it either: no report, as before
    report.commit = provenance.git_commit(root)
    report.environment = provenance.environment(client)
    for exercise in exercises:
        if exercise.id in not_started:
            report.exercises.append(
                started.result(
                    exercise, root=root, lang=lang, mode=mode, due=not_started[exercise.id]
                )
            )
            continue
        found, crash, log = outcomes.get(exercise.id, (None, "interrupted", ""))
        result = found or ExerciseResult(
            id=exercise.id,
            title=exercise.title_in(lang),
            version=exercise.version,
            submission=str(root / exercise.submission),
        )
        result.submission = str(root / exercise.submission)  # as given, not the child's absolute
        if not result.checks and result.error is None and not result.hidden:  # broken hand-off
            why = crash or "no result came back from the checks"
            crashed = hint("common.grader_crashed", reason=why)  # read only when needed
            result.error = catalogue.messages(exercise).render(crashed, lang)
            result.error += f"\n\n{log}" if log else ""
        # the catalogue's figure would tell a hidden check's points: then only the shown ones
        result.declared_points = (
            result.all_points if result.hidden else float(exercise.points_in(mode))
        )
        report.exercises.append(result)
    report.weights = policy.weights_of([e.id for e in report.exercises])
    if student is not None:
        report.lateness = _lateness(exercises, root, policy, student)
    report.duration = round(time.monotonic() - clock, 3)
    graded = zip(exercises, report.exercises, strict=True)
    durations.remember(
        {durations.key(e): sum(c.duration for c in r.checks) for e, r in graded if r.checks}
    )
    return report


class _Connecting:
    """The Docker engine, reached in a thread of its own: `client()` waits for it, and is None
    (with `error` set) when no engine answers."""

    def __init__(self) -> None:
        self._client: Client | None = None
        self.error: EngineUnavailable | None = None
        self._thread = threading.Thread(target=self._connect, daemon=True)
        self._thread.start()

    def _connect(self) -> None:
        from grader.containers.engine import connect

        try:
            self._client = connect()
        except EngineUnavailable as error:
            self.error = error

    def client(self) -> Client | None:
        self._thread.join()
        return self._client


def _lateness(
    exercises: Sequence[Exercise], root: Path, policy: CoursePolicy, student: str
) -> dict[str, Lateness]:
    """How late `student`'s work on each of `exercises` with a deadline was."""
    dated = {e.id: e.submission for e in exercises if e.id in policy.deadlines}
    found = policy.lateness(student, provenance.submitted_at(root, dated))
    return {i: late for i, late in found.items() if i in dated}


def _in_parallel(
    task: Callable[[list[Exercise], Path], None],
    calls: list[tuple[list[Exercise], Path]],
    *,
    jobs: int,
    halt: threading.Event | None,
) -> None:
    """Run `task` over `calls`, `jobs` at once; a Ctrl-C sets `halt`, which stops every
    child cleanly, then is raised again."""
    if len(calls) == 1 or halt is None:
        for group, work in calls:
            task(group, work)
        return
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = [pool.submit(_guarded, task, group, work, halt) for group, work in calls]
        try:
            for future in futures:
                future.result()
        except KeyboardInterrupt:
            halt.set()
            for future in futures:
                future.cancel()
            raise


def _guarded(
    task: Callable[[list[Exercise], Path], None],
    group: list[Exercise],
    work: Path,
    halt: threading.Event,
) -> None:
    if not halt.is_set():
        task(group, work)


def _run_pytest(
    exercises: Sequence[Exercise],
    *,
    run_id: str,
    root: Path,
    lang: str,
    mode: str,
    work: Path,
    debug: bool,
    cluster: ClusterChoice,
    stop: threading.Event | None = None,
    packs: Sequence[Pack] = (),
    hidden: Mapping[str, Hiding],
) -> tuple[dict[str, ExerciseResult], tuple[str | None, str]]:
    """The child's results, and (why the hand-off broke, the end of the child's output)."""
    out, ini, cwd = work / "results.json", work / "empty.ini", work / "cwd"
    ini.write_text("[pytest]\n", encoding="utf-8")
    cwd.mkdir()
    handed = work / "exercises.json"  # the catalogue, read once per run, handed down
    handed_args = (
        ["--grader-catalogue", str(handed)] if handoff.write(handed, exercises, packs) else []
    )
    command = [
        sys.executable,
        "-P",
        "-m",
        "pytest",
        "-p",
        "grader.grading.plugin",
        "-p",
        "no:cacheprovider",
        "-c",
        str(ini),
        "--rootdir",
        str(cwd),
        "--import-mode=importlib",
        "--assert=plain",
        "-q",
        "--no-header",
        "-p",
        "no:warnings",
        "--grader-run",
        run_id,
        "--grader-root",
        str(root.resolve()),
        "--grader-lang",
        lang,
        "--grader-mode",
        mode,
        "--grader-workdir",
        str(work / "snapshots"),
        "--grader-out",
        str(out),
        *cluster.args(),
        "--grader-exercises",
        ",".join(e.id for e in exercises),
        *(arg for pack in packs for arg in ("--grader-pack", pack.arg())),
        *handed_args,
        *(arg for i, h in hidden.items() for arg in ("--grader-hidden", h.arg(i))),
        "--continue-on-collection-errors",  # a pack's module that does not load fails alone
    ]
    # Python's own settings are not the child's, but for the user's wish that no bytecode be
    # written: the checks' compiled modules are cached as any Python module's are (recompiling
    # them on each run cost a tenth of a second), and the student's folder is never imported.
    kept = ("PYTHONDONTWRITEBYTECODE",)
    env = {
        k: v for k, v in os.environ.items() if k in kept or not k.startswith(("PYTEST_", "PYTHON"))
    }
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    timeout = sum(e.timeout for e in exercises) + GRACE_SECONDS
    log = work / "pytest.log"  # kept for a broken hand-off; --debug shows it as it runs
    with open(log, "wb") as sink:
        output = None if debug else sink
        child = subprocess.Popen(command, cwd=cwd, env=env, stdout=output, stderr=output)
        crash = _wait(child, timeout, stop)
    results, problem = _read_results(out)
    why = crash or problem
    return results, (why, "" if debug or not why else _tail(log))


def _wait(
    child: subprocess.Popen[bytes], timeout: float, stop: threading.Event | None
) -> str | None:
    """Wait for the pytest child; on Ctrl-C, `stop` or timeout, stop it cleanly, then for
    good."""
    deadline = time.monotonic() + timeout
    try:
        while True:
            try:
                code = child.wait(timeout=0.5 if stop else timeout)
                break
            except subprocess.TimeoutExpired:
                if time.monotonic() >= deadline:
                    _stop(child)
                    return f"timed out after {int(timeout)} s"
                if stop is not None and stop.is_set():
                    raise KeyboardInterrupt from None
    except KeyboardInterrupt:
        _stop(child)
        raise
    return None if code in (0, 1) else f"pytest exit status {code}"


def _stop(child: subprocess.Popen[bytes]) -> None:
    child.send_signal(signal.SIGINT)
    try:
        child.wait(timeout=GRACE_SECONDS)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()


def _read_results(path: Path) -> tuple[dict[str, ExerciseResult], str | None]:
    """The results the child wrote, validated as data field by field; or why there are none
    (then every exercise is shown as the grader's failure, never as 0/0 and successful)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}, "the checks wrote no results"
    except (OSError, ValueError) as error:
        return {}, f"the results could not be read ({error})"
    try:
        data = json.loads(text)
        found = {str(raw["id"]): exercise_from(raw) for raw in data["exercises"]}
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        return {}, f"the results are not valid ({type(error).__name__}: {error})"
    return found, None


def _tail(log: Path, lines: int = 15, limit: int = 2000) -> str:
    """The end of the pytest child's output, to go with a broken hand-off."""
    try:
        with open(log, "rb") as handle:
            handle.seek(max(0, log.stat().st_size - 16 * limit))
            text = handle.read().decode("utf-8", errors="replace").strip()
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])[-limit:]


__all__ = ["EngineUnavailable", "grade"]
