"""The `grader` command: each subcommand is a few lines over the library."""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, TextIO

from grader.cli.parser import parser
from grader.model.catalogue import Catalogue, Exercise, Pack
from grader.model.course_error import CourseError
from grader.model.status import CannotGrade, ExitStatus, for_report
from grader.model.texts import texts
from grader.reports.signing import KEY_VARIABLE

if TYPE_CHECKING:
    from grader.classroom.changes import Changes
    from grader.classroom.journal import Record
    from grader.classroom.shards import Completeness
    from grader.model.course import Course
    from grader.model.results import ExerciseResult


REGRADE_ALL = "all"  # `grader batch --regrade all`: every student of the roster (or shard)


def main(argv: Sequence[str] | None = None, *, stdout: TextIO | None = None) -> int:
    out = stdout or sys.stdout
    args = parser(HANDLERS).parse_args(argv)
    signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        return int(args.handler(args, out))
    except KeyboardInterrupt:
        print(texts("cli", getattr(args, "lang", "fr"))["interrupted"], file=sys.stderr)
        return ExitStatus.INTERRUPTED
    except CourseError as error:  # one line per bad field, never a traceback
        print(f"grader: the course file is not usable:\n{error}", file=sys.stderr)
        return ExitStatus.CANNOT_GRADE
    except CannotGrade as error:  # the library's refusal, said in one message
        print(error, file=sys.stderr)
        return ExitStatus.CANNOT_GRADE
    except BrokenPipeError:  # `grader list | head`: the reader has had enough
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return ExitStatus.SUCCESS


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _packs(args: argparse.Namespace) -> list[Pack]:
    """The teacher's packs asked for: --pack, $GRADER_EXERCISES, installed ones."""
    from grader.model.catalogue import packs

    return packs(getattr(args, "pack", []) or [])


def _course(args: argparse.Namespace, *, discover: bool = True) -> tuple[Catalogue, Course | None]:
    """The catalogue and the course, read once for the whole command
    (`grader.model.course_choice`)."""
    from grader.model.course_choice import catalogue_and_course

    named, folders = getattr(args, "course", None), getattr(args, "pack", []) or []
    return catalogue_and_course(named, pack_folders=folders, discover=discover)


def _release(args: argparse.Namespace, out: TextIO) -> int:
    from grader.classroom.release import release
    from grader.model import course

    path = args.course or course.find(Path.cwd())
    if path is None or (not args.ids and not args.all):
        print(
            "grader release: name the exercises (or --all) and the course file (--course, "
            "or ./course.yaml)",
            file=sys.stderr,
        )
        return ExitStatus.CANNOT_GRADE
    released = release(path, ["all"] if args.all else args.ids)
    print(
        f"{path}: released: {', '.join(released)}. Commit and push it: students' next "
        f"grader check shows those hidden checks.",
        file=out,
    )
    return ExitStatus.SUCCESS


def _selftest(args: argparse.Namespace, out: TextIO) -> int:
    from grader.grading.runner import EngineUnavailable, grade
    from grader.grading.session import ClusterChoice
    from grader.teaching import selftest

    folders = [Path(t) for t in args.targets if Path(t).is_dir()]
    catalogue = Catalogue.load(packs=[*_packs(args), *(Pack(f.resolve().name, f) for f in folders)])
    wanted = [t for t in args.targets if not Path(t).is_dir()]
    unknown = [i for i in wanted if i not in catalogue]
    if unknown:
        print(f"grader selftest: unknown exercise(s) {', '.join(unknown)}", file=sys.stderr)
        return ExitStatus.CANNOT_GRADE
    for name, why in catalogue.refused.items():
        print(f"REFUSED {name}: {why}", file=out)
    chosen = [catalogue.get(i) for i in wanted] + [
        e for e in catalogue if any(e.folder.resolve().parent == f.resolve() for f in folders)
    ]
    exercises = [e for e in (chosen or list(catalogue)) if "files" in e.modes]
    for exercise in chosen or list(catalogue):
        if "files" not in exercise.modes:
            print(
                f"skip {exercise.id}: graded on a student's engine only: run its solution/"
                f"commands.sh, then grader check {exercise.id} --live",
                file=out,
            )
    cluster = ClusterChoice(kubeconfig=args.kubeconfig)

    def one(exercise: Exercise, folder: Path) -> ExerciseResult:
        import tempfile

        with tempfile.TemporaryDirectory(prefix="grader-selftest-") as tmp:
            repo = Path(tmp) / "repo"
            shutil.copytree(
                folder,
                repo / exercise.submission,
                symlinks=True,
                ignore=shutil.ignore_patterns("expect.yaml"),
            )
            report = grade([exercise], root=repo, catalogue=catalogue, cluster=cluster)
            return report.exercises[0]

    try:
        outcomes = selftest.run(exercises, one, live_too=bool(args.kubeconfig))
    except EngineUnavailable as error:
        print(texts("cli", "en")["no_engine"].format(error=error), file=sys.stderr)
        return ExitStatus.CANNOT_GRADE
    print(selftest.table(outcomes), end="", file=out)
    bad = catalogue.refused or not all(o.ok for o in outcomes)
    return ExitStatus.NOT_VALIDATED if bad else ExitStatus.SUCCESS


def _new(args: argparse.Namespace, out: TextIO) -> int:
    from grader.teaching.new_exercise import NewExerciseError, scaffold

    try:
        written = scaffold(args.pack_dir, args.id, kind=args.kind, slug=args.slug)
    except NewExerciseError as error:
        print(f"grader new: {error}", file=sys.stderr)
        return ExitStatus.CANNOT_GRADE
    for path in written:
        print(f"wrote {path}", file=out)
    print(f"next: grader selftest {args.pack_dir}", file=out)
    return ExitStatus.SUCCESS


def _list(args: argparse.Namespace, out: TextIO) -> int:
    from grader.reports import listing

    catalogue = Catalogue.load(packs=_packs(args))
    for line in listing.lines(catalogue, args.ids, lang=args.lang, checks=args.checks):
        print(line, file=out)
    return ExitStatus.SUCCESS


def _check(args: argparse.Namespace, out: TextIO) -> int:
    from grader.grading import selection
    from grader.grading.session import ClusterChoice
    from grader.model.course_policy import CoursePolicy
    from grader.reports.report import deliver

    selection.require_folder(args.path, args.lang)
    catalogue, course = _course(args, discover=False)
    policy = CoursePolicy.of(course, strict=args.strict, hide=True)
    chosen = selection.choose(
        catalogue, course, args.ids, root=args.path, policy=policy, every=args.all,
        live=args.live, lang=args.lang,
    )  # fmt: skip
    cluster = ClusterChoice(
        kubeconfig=args.kubeconfig, context=args.context, kind=args.kind, namespace=args.namespace
    )
    report = selection.check(
        chosen, root=args.path, lang=args.lang, catalogue=catalogue, policy=policy,
        cluster=cluster, jobs=args.jobs, debug=args.debug,
    )  # fmt: skip
    saved = [*args.save, *([(args.format, args.output)] if args.output else [])]
    shown = "text" if args.output else args.format
    deliver(report, shown=shown, saved=saved, out=out, lang=args.lang)
    return for_report(report)


def _batch(args: argparse.Namespace, out: TextIO) -> int:
    from grader.classroom import batch, journal, roster
    from grader.classroom import gradebook as classroom
    from grader.classroom.roster_entry import RosterError
    from grader.containers.engine import EngineUnavailable, connect
    from grader.grading.session import ClusterChoice
    from grader.model.course_policy import CoursePolicy

    catalogue, course = _course(args)
    ids = [i.strip() for i in (args.exercises or "").split(",") if i.strip()]
    if args.all:
        ids = [e.id for e in catalogue if "files" in e.modes]
    elif not ids and course is not None:  # the course's, those a batch can grade
        ids = [i for i in course.ids() if "files" in catalogue.get(i).modes]
    unknown = [i for i in ids if i not in catalogue]
    live_only = [i for i in ids if i in catalogue and "files" not in catalogue.get(i).modes]
    if not ids or unknown or live_only:
        problem = (
            f"unknown exercise(s) {', '.join(unknown)}"
            if unknown
            else f"{', '.join(live_only)} can only be graded live, on the student's machine"
            if live_only
            else "no exercise: --exercises ex1,ex2 or --all"
        )
        print(f"grader batch: {problem}", file=sys.stderr)
        return ExitStatus.CANNOT_GRADE
    journal_path = args.out / journal.file_name(args.shard)
    if args.regrade and not journal_path.exists():
        print(
            f"grader batch: --regrade grades students again in an existing batch, and "
            f"{args.out} holds none ({journal_path.name})",
            file=sys.stderr,
        )
        return ExitStatus.CANNOT_GRADE
    if journal_path.exists() and not args.resume and not args.regrade:
        print(
            f"grader batch: {args.out} already holds this batch ({journal_path.name}): add "
            "--resume to go on with it, or choose another --out",
            file=sys.stderr,
        )
        return ExitStatus.CANNOT_GRADE
    try:
        entries = roster.load(args.roster)
    except RosterError as error:
        print(f"grader batch: {error}", file=sys.stderr)
        return ExitStatus.CANNOT_GRADE
    exercises = [catalogue.get(i) for i in ids]
    if any("docker" in e.needs for e in exercises):
        try:
            connect()
        except EngineUnavailable as error:
            print(texts("cli", args.lang)["no_engine"].format(error=error), file=sys.stderr)
            return ExitStatus.CANNOT_GRADE
    strangers = sorted(set(args.regrade) - {e.student for e in entries} - {REGRADE_ALL})
    if strangers:
        print(f"grader batch: --regrade {', '.join(strangers)}: not in the roster", file=sys.stderr)
        return ExitStatus.CANNOT_GRADE
    if args.shard:
        entries = roster.shard(entries, *args.shard)
    if REGRADE_ALL in args.regrade:
        args.regrade = [e.student for e in entries]
    done = journal.done(args.out) if args.resume else set()
    before = journal.load([args.out]) if args.regrade else None
    todo = batch.pending(entries, done, args.regrade, resume=args.resume or not args.regrade)
    print(
        f"{len(entries)} students, {len(entries) - len(todo)} already graded, "
        f"{len(todo)} to grade with {args.jobs} worker(s)",
        file=out,
    )
    options = batch.BatchOptions(
        exercises=exercises,
        out=args.out,
        jobs=args.jobs,
        lang=args.lang,
        deadline=args.deadline,
        shard=args.shard,
        auth_header=_gitlab_header(args.roster),
        cluster=ClusterChoice(kubeconfig=args.kubeconfig, context=args.context),
        policy=CoursePolicy.of(course, strict=args.strict),
    )
    records = batch.run(
        todo, options, catalogue, progress=batch.Progress(len(todo), stream=sys.stderr)
    )
    every = journal.load_all([args.out])
    after = journal.latest(every)
    regraded = _changes(
        before, after, before_label="before this regrade", after_label=str(args.out), out=out
    )
    extras = classroom.Extras(journal.history(every), changes=regraded)
    for path in classroom.write(args.out, after, catalogue, args.lang, extras=extras):
        print(texts("cli", args.lang)["written"].format(path=path), file=out)
    failed = [r for r in records if not r.graded]
    return ExitStatus.NOT_VALIDATED if failed else ExitStatus.SUCCESS


def _merge(args: argparse.Namespace, out: TextIO) -> int:
    """Exit 2 (nothing written) when a shard is missing or did not finish, unless
    --allow-incomplete: then 3, with the gradebook and dashboard saying so."""
    from grader.classroom import gradebook as classroom
    from grader.classroom import journal, shards

    catalogue, _ = _course(args)
    found = shards.check(journal.journals(args.sources))
    refused = _merge_refused(args, found)
    if refused:
        print(f"grader merge: {refused}", file=sys.stderr)
        return ExitStatus.CANNOT_GRADE
    before = journal.load([args.previous]) if args.previous else None
    records = classroom.merge(args.sources, args.out, incomplete=found.problems)
    shown = f" from {found.total} shards" if found.total else ""
    print(f"{len(records)} students merged{shown}", file=out)
    since = _changes(
        before, records, before_label=str(args.previous), after_label=str(args.out), out=out
    )
    history = journal.history(journal.load_all(args.sources))
    extras = classroom.Extras(history, found.problems, since)
    for path in classroom.write(args.out, records, catalogue, args.lang, extras=extras):
        print(texts("cli", args.lang)["written"].format(path=path), file=out)
    if found.problems:
        print(
            "grader merge: INCOMPLETE class, written anyway (--allow-incomplete):",
            *found.problems,
            sep="\n  - ",
            file=sys.stderr,
        )
        return ExitStatus.WARNINGS
    return ExitStatus.SUCCESS


def _merge_refused(args: argparse.Namespace, found: Completeness) -> str | None:
    """Why `grader merge` writes nothing: a folder missing, no journal, journals of different
    shard counts, a class incomplete without --allow-incomplete, or no journal in --previous."""
    from grader.classroom import journal

    folders = [*args.sources, *([args.previous] if args.previous else [])]
    missing = [str(s) for s in folders if not s.is_dir()]
    if missing:
        return f"no such folder: {', '.join(missing)}"
    if not journal.journals(args.sources) or found.conflict:
        return found.conflict or "no journal found (journal*.jsonl)"
    if found.problems and not args.allow_incomplete:
        problems = "".join(f"\n  - {p}" for p in found.problems)
        return (
            f"the class is incomplete, nothing written:{problems}\nRun those shards again "
            "(on GitLab: retry their jobs, then this one), or add --allow-incomplete to "
            "write what is there, marked incomplete."
        )
    if args.previous and not journal.journals([args.previous]):
        return (
            f"--previous {args.previous} holds no journal (journal*.jsonl) to compare "
            "with: give a batch or class folder written by this grader"
        )
    return None


def _changes(
    before: dict[str, Record] | None,
    after: dict[str, Record],
    *,
    before_label: str,
    after_label: str,
    out: TextIO,
) -> Changes | None:
    """What changed from `before` (None: nothing to compare), printed as a table."""
    from grader.classroom import changes

    if before is None:
        return None
    found = changes.compare(before, after, before_label=before_label, after_label=after_label)
    print(changes.table(found), end="", file=out)
    return found


def _diff(args: argparse.Namespace, out: TextIO) -> int:
    from grader.classroom import changes, journal

    empty = [str(f) for f in (args.old, args.new) if not journal.journals([f])]
    if empty:
        print(f"grader diff: no journal (journal*.jsonl) in {', '.join(empty)}", file=sys.stderr)
        return ExitStatus.CANNOT_GRADE
    found = _changes(
        journal.load([args.old]),
        journal.load([args.new]),
        before_label=str(args.old),
        after_label=str(args.new),
        out=out,
    )
    assert found is not None
    for path in changes.write(args.out or args.new, found, args.lang):
        print(texts("cli", args.lang)["written"].format(path=path), file=out)
    return ExitStatus.SUCCESS


def _gitlab_header(spec: str) -> str | None:
    from grader.classroom.gitlab_roster import auth_header
    from grader.classroom.roster import GITLAB_SCHEME

    return auth_header() if spec.startswith(GITLAB_SCHEME) else None


def _init(args: argparse.Namespace, out: TextIO) -> int:
    from grader.teaching.scaffold import init

    catalogue, course = _course(args)
    for line in init(args.directory, catalogue, ids=course.ids() if course else None):
        print(line, file=out)
    return ExitStatus.SUCCESS


def _verify(args: argparse.Namespace, out: TextIO) -> int:
    import json

    from grader.model.results import Report
    from grader.reports.signing import verify

    key = args.key or os.environ.get(KEY_VARIABLE)
    if not key:
        print(f"grader verify: no key (--key or ${KEY_VARIABLE})", file=sys.stderr)
        return ExitStatus.CANNOT_GRADE
    try:
        data = json.loads(args.report.read_text(encoding="utf-8"))
        report = Report.from_dict(data)
    except (OSError, ValueError, KeyError, TypeError) as error:
        print(
            f"grader verify: {args.report} is not a grader JSON report ({error})", file=sys.stderr
        )
        return ExitStatus.CANNOT_GRADE
    verdict = verify(data, key)
    print(f"{args.report}: {verdict}", file=out)
    if verdict != "valid":
        return ExitStatus.NOT_VALIDATED
    if args.rerun:
        from grader.grading.rerun import rerun

        differences = rerun(report, args.path)
        for line in differences:
            print(f"  {line}", file=out)
        print("rerun: " + ("same verdicts" if not differences else "DIFFERENT"), file=out)
        if differences:
            return ExitStatus.NOT_VALIDATED
    return ExitStatus.SUCCESS


def _images(args: argparse.Namespace, out: TextIO) -> int:
    from grader.containers.engine import EngineUnavailable, connect
    from grader.containers.images import SeedError, seed

    try:
        seed(connect(), force=args.force, log=lambda line: print(line, file=out))
    except (EngineUnavailable, SeedError) as error:
        print(f"grader images seed: {error}", file=sys.stderr)
        return ExitStatus.CANNOT_GRADE
    return ExitStatus.SUCCESS


def _clean(args: argparse.Namespace, out: TextIO) -> int:
    from grader.containers.engine import EngineUnavailable, connect, sweep

    try:
        removed = sweep(connect(), cache=args.cache)
    except EngineUnavailable as error:
        print(texts("cli", "fr")["no_engine"].format(error=error), file=sys.stderr)
        return ExitStatus.CANNOT_GRADE
    if args.kubeconfig or args.context:
        removed += _clean_cluster(args.kubeconfig, args.context, out)
    for line in removed:
        print(f"removed {line}", file=out)
    return ExitStatus.SUCCESS


def _clean_cluster(kubeconfig: str | None, context: str | None, out: TextIO) -> list[str]:
    from grader.k8s import cleanup
    from grader.k8s.cluster import NoCluster, from_kubeconfig

    try:
        cluster = from_kubeconfig(kubeconfig, context)
    except NoCluster as error:
        print(f"grader clean: no cluster ({error})", file=out)
        return []
    return cleanup.sweep(cluster)


HANDLERS = {
    "list": _list,
    "check": _check,
    "batch": _batch,
    "merge": _merge,
    "diff": _diff,
    "init": _init,
    "release": _release,
    "verify": _verify,
    "images": _images,
    "clean": _clean,
    "selftest": _selftest,
    "new": _new,
}
