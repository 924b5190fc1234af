"""The pytest plugin that turns exercise check modules into graded checks.

Inert unless `--grader-run` is given (it is, by `grader.grading.runner`). Hooks in lifecycle order:
options → configure → collection → runtest → session finish. Each check's outcome becomes a
`CheckResult`; the whole run is written as JSON for the runner to read back.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Generator
from pathlib import Path

import pytest

from grader.containers import limits
from grader.grading import handoff
from grader.grading.session import ClusterChoice, GradingSession
from grader.model.catalogue import Catalogue, Exercise, Pack, titles
from grader.model.hidden import from_arg
from grader.model.hints import Hint, hint
from grader.model.outcomes import CheckTimeout, NotAttempted
from grader.model.results import CheckResult, Kind, Status

SESSION = pytest.StashKey[GradingSession]()
CATALOGUE = pytest.StashKey[Catalogue]()  # loaded once per run, before the check modules
EXERCISE = pytest.StashKey[Exercise]()  # the exercise a collected check belongs to
_STARTED = pytest.StashKey[float]()

MARKERS = (
    "points(n): how many points the check is worth",
    "advisory: feedback worth no points; a failure is shown as advice, not as a failure",
    "practice: good practice the statement recommends, not an objective of the course: its "
    "points count, a failure is a warning and never keeps the exercise from being validated",
    "live: the check grades the student's running engine (grader check --live)",
    "cluster: the check needs a Kubernetes cluster (not attempted without one)",
)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("grader")
    group.addoption("--grader-run", help="grading run id (activates the plugin)")
    group.addoption("--grader-root", help="the student repository")
    group.addoption("--grader-lang", default="fr", choices=("fr", "en"))
    group.addoption("--grader-mode", default="files", choices=("files", "live"))
    group.addoption("--grader-workdir", help="private folder for snapshots")
    group.addoption("--grader-out", help="where to write the JSON results")
    group.addoption("--grader-kubeconfig", help="the cluster for the Kubernetes live tier")
    group.addoption("--grader-context", help="kubeconfig context to use")
    group.addoption("--grader-namespace", help="the one namespace to grade in")
    group.addoption("--grader-kind", action="store_true", help="create an ephemeral kind cluster")
    group.addoption("--grader-exercises", help="the exercise ids to grade, comma-separated")
    group.addoption("--grader-pack", action="append", default=[], help="NAME=FOLDER of a pack")
    group.addoption("--grader-catalogue", help="the exercises handed down (grading.handoff)")
    group.addoption(
        "--grader-hidden",
        action="append",
        default=[],
        help="EXERCISE=CHECK,CHECK or EXERCISE=*: counted, never run",
    )


def pytest_load_initial_conftests(
    early_config: pytest.Config, parser: pytest.Parser, args: list[str]
) -> None:
    """The runner names exercises, not files: their check modules are added here."""
    known = early_config.known_args_namespace
    ids = getattr(known, "grader_exercises", None)
    if ids:
        handed = getattr(known, "grader_catalogue", None)
        catalogue = _catalogue(getattr(known, "grader_pack", None) or [], handed)
        early_config.stash[CATALOGUE] = catalogue
        args.extend(str(m) for i in ids.split(",") for m in catalogue.get(i).check_modules)


def pytest_configure(config: pytest.Config) -> None:
    for marker in MARKERS:
        config.addinivalue_line("markers", marker)
    run_id = config.getoption("--grader-run")
    if not run_id:
        return
    # The runner stops the checks with SIGINT, so that they clean up; a grader started as a
    # script's background job would hand down the shell's "ignore it" and wait in vain.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    catalogue = config.stash.get(CATALOGUE, None) or _catalogue(
        config.getoption("--grader-pack"), config.getoption("--grader-catalogue")
    )
    ids = (config.getoption("--grader-exercises") or "").split(",")
    config.stash[SESSION] = GradingSession(
        exercises=[catalogue.get(i) for i in ids if i],
        run_id=run_id,
        root=Path(config.getoption("--grader-root")),
        lang=config.getoption("--grader-lang"),
        mode=config.getoption("--grader-mode"),
        workdir=Path(config.getoption("--grader-workdir")),
        out=Path(config.getoption("--grader-out")),
        cluster=ClusterChoice(
            kubeconfig=config.getoption("--grader-kubeconfig"),
            context=config.getoption("--grader-context"),
            kind=config.getoption("--grader-kind"),
            namespace=config.getoption("--grader-namespace"),
        ),
        catalogue=catalogue,
    )
    config.pluginmanager.import_plugin("grader.grading.fixtures")
    config.pluginmanager.import_plugin("grader.grading.kube_fixtures")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if SESSION not in config.stash:
        return
    session = config.stash[SESSION]
    for item in items:
        exercise = session.exercise_of(item.path)
        if exercise is not None:
            item.stash[EXERCISE] = exercise
    live = session.mode == "live"
    selected = [i for i in items if (i.get_closest_marker("live") is not None) == live]
    selected = _without_hidden(session, selected, config.getoption("--grader-hidden"))
    deselected = [i for i in items if i not in selected]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
    items[:] = selected


def _without_hidden(
    session: GradingSession, items: list[pytest.Item], hidden: list[str]
) -> list[pytest.Item]:
    """The checks to run: a hidden one is counted in its exercise's result and never run, so
    nothing of it (title, hint, log, outcome) can reach a report (grader.model.hidden)."""
    hidings = dict(from_arg(h) for h in hidden)
    kept = []
    for item in items:
        exercise = item.stash.get(EXERCISE, None)
        hiding = hidings.get(exercise.id) if exercise is not None else None
        if exercise is not None and hiding is not None and hiding.hides(item.name):
            result = session.result_for(exercise)
            result.hidden, result.hidden_until = result.hidden + 1, hiding.until_text
            continue
        kept.append(item)
    return kept


def _catalogue(packs: list[str], handed: str | None) -> Catalogue:
    """The exercises the runner handed down, else (a hand-off it could not write) the
    catalogue read here."""
    if handed:
        return handoff.read(Path(handed))
    return Catalogue.load(packs=[Pack.from_arg(p) for p in packs])


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(
    collector: pytest.Collector,
) -> Generator[None, pytest.CollectReport, pytest.CollectReport]:
    """A check module that cannot be loaded (a pack's syntax error) fails its exercise alone,
    with the error; the other exercises are graded."""
    report = yield
    session = collector.config.stash.get(SESSION, None)
    if session is None or not report.failed or not isinstance(collector, pytest.Module):
        return report
    exercise = session.exercise_of(collector.path)
    if exercise is not None:
        error = str(report.longrepr)[-2000:]
        reason = hint("common.checks_not_loaded", module=collector.path.name, error=error)
        session.result_for(exercise).error = session.render(reason, exercise)
    return report


def pytest_runtest_setup(item: pytest.Item) -> None:
    item.stash[_STARTED] = time.monotonic()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, object, object]:
    """Give each check a wall-clock budget (limits.check_seconds): past it, the check fails
    with "timed out after N s" and the next one runs."""
    exercise = item.stash.get(EXERCISE, None)
    if exercise is None or not hasattr(signal, "SIGALRM"):
        return (yield)
    seconds = limits.for_params(exercise.params).check_seconds

    def expire(signum: int, frame: object) -> None:
        raise CheckTimeout(seconds)

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        return (yield)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    session = item.config.stash.get(SESSION, None)
    decisive = call.when == "call" or (call.when == "setup" and call.excinfo is not None)
    if session is None or not decisive:
        return report
    exercise = item.stash.get(EXERCISE, None)
    if exercise is not None:
        session.record(exercise, _check_result(session, exercise, item, call))
    return report


def pytest_sessionfinish(session: pytest.Session) -> None:
    grading = session.config.stash.get(SESSION, None)
    if grading is not None:
        grading.write()


def _check_result(
    session: GradingSession, exercise: Exercise, item: pytest.Item, call: pytest.CallInfo[None]
) -> CheckResult:
    marker = item.get_closest_marker("points")
    max_points = float(marker.args[0]) if marker else 0.0
    status, reason = _outcome(item, call)
    title_fr, title_en = _titles(item)
    file, lines = _where(reason)
    return CheckResult(
        name=item.name,
        title=title_en if session.lang == "en" and title_en else title_fr,
        status=status,
        points=max_points if status in ("passed", "advice") else 0.0,
        max_points=max_points,
        hint=session.render(reason, exercise) if reason else None,
        hint_key=reason.key if reason else None,
        details=_details(session, exercise, reason),
        duration=round(time.monotonic() - item.stash.get(_STARTED, time.monotonic()), 3),
        kind=_kind(item),
        file=file,
        lines=lines,
        infrastructure=session.infrastructure(reason, exercise) if reason else None,
    )


def _details(session: GradingSession, exercise: Exercise, reason: Hint | None) -> str | None:
    """The log excerpt under a hint, its paths shown from the repository."""
    if reason is None or reason.details is None:
        return None
    return session.relative(reason.details, exercise)


def _where(reason: Hint | None) -> tuple[str | None, list[int]]:
    """The file and lines a hint names in its parameters (`file=`, `line=`), its nested hints'
    included (hadolint's findings): where a merge request shows it (Code Quality)."""
    if reason is None:
        return None, []
    nested = [
        h
        for v in reason.params.values()
        if isinstance(v, list | tuple)
        for h in v
        if isinstance(h, Hint)
    ]
    lines = [
        int(h.params["line"]) for h in (reason, *nested) if str(h.params.get("line", "")).isdigit()
    ]
    file = reason.params.get("file")
    return (str(file) if file else None), sorted(set(lines))


def _kind(item: pytest.Item) -> Kind:
    advisory = item.get_closest_marker("advisory") is not None
    return "practice" if advisory or item.get_closest_marker("practice") else "objective"


def _outcome(item: pytest.Item, call: pytest.CallInfo[None]) -> tuple[Status, Hint | None]:
    if call.excinfo is None:
        return "passed", None
    error = call.excinfo.value
    if isinstance(error, NotAttempted):
        return "not_attempted", error.reason
    if isinstance(error, CheckTimeout):
        return "failed", hint("common.timed_out", seconds=error.seconds)
    if isinstance(error, pytest.skip.Exception):
        return "not_attempted", hint("common.skipped", reason=str(error))
    if isinstance(error, AssertionError):
        reason = error.args[0] if error.args and isinstance(error.args[0], Hint) else None
        reason = reason or hint("common.assertion", message=str(error))
        advisory = item.get_closest_marker("advisory") is not None
        return ("advice" if advisory else "failed"), reason
    details = str(call.excinfo.getrepr(style="short"))
    return "error", hint("common.grader_error", error=repr(error), details=details)


def _titles(item: pytest.Item) -> tuple[str, str | None]:
    doc = getattr(getattr(item, "function", None), "__doc__", None)
    return titles(doc or item.name)
