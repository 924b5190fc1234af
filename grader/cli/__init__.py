"""The `grader` command: each subcommand is a few lines over the library."""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, TextIO

from grader.cli.parser import parser
from grader.model.catalogue import Catalogue, Pack
from grader.model.course_error import CourseError
from grader.model.status import CannotGrade, ExitStatus, for_report
from grader.model.texts import texts
from grader.reports.signing import KEY_VARIABLE

if TYPE_CHECKING:
    from grader.model.course import Course


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
        raise CannotGrade(
            "grader release: name the exercises (or --all) and the course file (--course, "
            "or ./course.yaml)"
        )
    released = release(path, ["all"] if args.all else args.ids)
    print(
        f"{path}: released: {', '.join(released)}. Commit and push it: students' next "
        f"grader check shows those hidden checks.",
        file=out,
    )
    return ExitStatus.SUCCESS


def _selftest(args: argparse.Namespace, out: TextIO) -> int:
    from grader.teaching import selftest_run

    ok = selftest_run.run(args.targets, _packs(args), kubeconfig=args.kubeconfig, out=out)
    return ExitStatus.SUCCESS if ok else ExitStatus.NOT_VALIDATED


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
    from grader.classroom import batch_run
    from grader.grading.session import ClusterChoice

    catalogue, course = _course(args)
    request = batch_run.BatchRequest(
        roster=args.roster, out=args.out, exercises=args.exercises, every=args.all,
        resume=args.resume, regrade=args.regrade, shard=args.shard, jobs=args.jobs,
        lang=args.lang, deadline=args.deadline, strict=args.strict,
        cluster=ClusterChoice(kubeconfig=args.kubeconfig, context=args.context),
    )  # fmt: skip
    records = batch_run.run(request, catalogue, course, out=out)
    return ExitStatus.NOT_VALIDATED if any(not r.graded for r in records) else ExitStatus.SUCCESS


def _merge(args: argparse.Namespace, out: TextIO) -> int:
    """Exit 2 (nothing written) when a shard is missing or did not finish, unless
    --allow-incomplete: then 3, with the gradebook and dashboard saying so."""
    from grader.classroom.merge_run import merge

    catalogue, _ = _course(args)
    problems = merge(
        args.sources, args.out, catalogue, previous=args.previous,
        allow_incomplete=args.allow_incomplete, lang=args.lang, out=out,
    )  # fmt: skip
    if not problems:
        return ExitStatus.SUCCESS
    print(
        "grader merge: INCOMPLETE class, written anyway (--allow-incomplete):",
        *problems,
        sep="\n  - ",
        file=sys.stderr,
    )
    return ExitStatus.WARNINGS


def _diff(args: argparse.Namespace, out: TextIO) -> int:
    from grader.classroom.changes import between

    written_to = args.out or args.new
    for path in between(args.old, args.new, written_to=written_to, lang=args.lang, out=out):
        print(texts("cli", args.lang)["written"].format(path=path), file=out)
    return ExitStatus.SUCCESS


def _init(args: argparse.Namespace, out: TextIO) -> int:
    from grader.teaching.scaffold import init

    catalogue, course = _course(args)
    for line in init(args.directory, catalogue, ids=course.ids() if course else None):
        print(line, file=out)
    return ExitStatus.SUCCESS


def _verify(args: argparse.Namespace, out: TextIO) -> int:
    from grader.reports import verification

    key = args.key or os.environ.get(KEY_VARIABLE)
    holds = verification.check(args.report, key, again=args.rerun, folder=args.path, out=out)
    return ExitStatus.SUCCESS if holds else ExitStatus.NOT_VALIDATED


def _images(args: argparse.Namespace, out: TextIO) -> int:
    from grader.containers.engine import connect
    from grader.containers.images import SeedError, seed
    from grader.containers.unavailable import EngineUnavailable

    try:
        seed(connect(), force=args.force, log=lambda line: print(line, file=out))
    except (EngineUnavailable, SeedError) as error:
        print(f"grader images seed: {error}", file=sys.stderr)
        return ExitStatus.CANNOT_GRADE
    return ExitStatus.SUCCESS


def _clean(args: argparse.Namespace, out: TextIO) -> int:
    from grader.containers.engine import connect, sweep
    from grader.containers.unavailable import EngineUnavailable
    from grader.k8s.cleanup import sweep_named

    try:
        removed = sweep(connect(), cache=args.cache)
    except EngineUnavailable as error:
        raise CannotGrade(texts("cli", "fr")["no_engine"].format(error=error)) from error
    if args.kubeconfig or args.context:
        removed += sweep_named(args.kubeconfig, args.context, say=lambda s: print(s, file=out))
    for line in removed:
        print(f"removed {line}", file=out)
    return ExitStatus.SUCCESS


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
