"""The `grader` command line's definition (httpie's cli/definition.py): every command, its
options and their defaults, apart from what the commands do (`grader.cli`)."""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TextIO

from grader import __version__
from grader.reports.signing import KEY_VARIABLE

DESCRIPTION = "The `grader` command: each subcommand is a few lines over the library."
REPORT_CHOICES = ("text", "md", "html", "json", "junit", "codequality")
STRICT_HELP = "good practice counts for validation too (default: $GRADER_STRICT, a course setting)"

Handler = Callable[[argparse.Namespace, TextIO], int]


def parser(handlers: Mapping[str, Handler]) -> argparse.ArgumentParser:
    """The `grader` command line; each command's `handler` is `handlers[its name]`."""
    parser = argparse.ArgumentParser(prog="grader", description=DESCRIPTION)
    parser.add_argument("--version", action="version", version=f"grader {__version__}")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")
    lang = os.environ.get("GRADER_LANG", "fr")
    strict = os.environ.get("GRADER_STRICT", "") in ("1", "true", "yes")
    packs = argparse.ArgumentParser(add_help=False)
    packs.add_argument(
        "--pack",
        action="append",
        default=[],
        type=Path,
        metavar="DIR",
        help="a folder of a teacher's exercises (repeatable; also "
        "$GRADER_EXERCISES, and installed packs)",
    )
    packs.add_argument(
        "--course",
        type=Path,
        metavar="FILE",
        help="the course file (default: ./course.yaml if present)",
    )

    listing = commands.add_parser("list", parents=[packs], help="the exercise catalogue")
    listing.add_argument("ids", nargs="*", metavar="EXERCISE", help="only these exercises")
    listing.add_argument(
        "--checks",
        action="store_true",
        help="each exercise's checks: name (as a course's hidden: names them) and title",
    )
    listing.add_argument("--lang", choices=("fr", "en"), default=lang)
    listing.set_defaults(handler=handlers["list"])

    check = commands.add_parser(
        "check", parents=[packs], help="grade exercises of a student repository"
    )
    check.add_argument("ids", nargs="*", metavar="EXERCISE", help="exercise ids, e.g. ex1 ex2")
    check.add_argument("--all", action="store_true", help="every exercise of the catalogue")
    check.add_argument("--path", type=Path, default=Path("."), help="the student repository")
    check.add_argument("--format", choices=REPORT_CHOICES, default="text")
    check.add_argument("-o", "--output", type=Path, help="write the report to this file")
    check.add_argument(
        "--save",
        action="append",
        default=[],
        type=_save_spec,
        metavar="FORMAT:PATH",
        help="also write the report in this format (repeatable), e.g. junit:report.xml",
    )
    check.add_argument("--live", action="store_true", help="grade the running engine's state")
    check.add_argument("--lang", choices=("fr", "en"), default=lang)
    check.add_argument("--strict", action="store_true", default=strict, help=STRICT_HELP)
    check.add_argument("--debug", action="store_true", help="show pytest's own output")
    check.add_argument(
        "-j", "--jobs", type=int, default=1, help="exercises graded at once (one pytest run each)"
    )
    k8s = check.add_argument_group("Kubernetes live tier (default: ~/.kube/config if present)")
    k8s.add_argument("--kubeconfig", help="the cluster to apply manifests to")
    k8s.add_argument("--context", help="the kubeconfig context (e.g. the school's)")
    k8s.add_argument("--kind", action="store_true", help="create an ephemeral kind cluster")
    k8s.add_argument(
        "--namespace",
        help="grade in this one namespace (your space on a shared "
        "cluster; default there: the context's)",
    )
    check.set_defaults(handler=handlers["check"])

    batch = commands.add_parser("batch", parents=[packs], help="grade a whole class (teachers)")
    batch.add_argument("roster", help="a folder of repositories, a CSV file, or gitlab://group")
    batch.add_argument("--exercises", help="comma-separated exercise ids, e.g. ex1,ex2,ex3")
    batch.add_argument("--all", action="store_true", help="every exercise graded on files")
    batch.add_argument("-j", "--jobs", type=int, default=1, help="students graded at once")
    batch.add_argument("--out", type=Path, default=Path("results"), help="where results go")
    batch.add_argument("--resume", action="store_true", help="skip the students already graded")
    batch.add_argument(
        "--regrade",
        action="append",
        default=[],
        metavar="STUDENT",
        help="grade this student again in an existing --out (repeatable; "
        "`all`: every student; the older grading is kept as history, "
        "and what changed is shown and written to changes.html)",
    )
    batch.add_argument("--shard", type=_shard_spec, metavar="I/N", help="grade one part of N")
    batch.add_argument("--deadline", type=_deadline, help="grade the last commit before it")
    batch.add_argument("--lang", choices=("fr", "en"), default=lang)
    batch.add_argument("--strict", action="store_true", default=strict, help=STRICT_HELP)
    batch.add_argument("--kubeconfig", help="the cluster for the Kubernetes live tier")
    batch.add_argument("--context", help="the kubeconfig context")
    batch.set_defaults(handler=handlers["batch"])

    merge = commands.add_parser("merge", parents=[packs], help="join the results of batch shards")
    merge.add_argument("sources", type=Path, nargs="+", help="folders holding shard journals")
    merge.add_argument("--out", type=Path, required=True)
    merge.add_argument(
        "--allow-incomplete",
        action="store_true",
        help="write the gradebook even when a shard is missing or did not "
        "finish, marked incomplete (exit status 3)",
    )
    merge.add_argument(
        "--previous",
        type=Path,
        metavar="FOLDER",
        help="the previous class folder: show what changed since "
        "(changes.html, linked from the dashboard)",
    )
    merge.add_argument("--lang", choices=("fr", "en"), default=lang)
    merge.set_defaults(handler=handlers["merge"])

    diff = commands.add_parser("diff", help="what changed between two batches (teachers)")
    diff.add_argument("old", type=Path, help="the earlier results or class folder")
    diff.add_argument("new", type=Path, help="the later one")
    diff.add_argument("--out", type=Path, help="where changes.{html,json} go (default: NEW)")
    diff.add_argument("--lang", choices=("fr", "en"), default=lang)
    diff.set_defaults(handler=handlers["diff"])

    init = commands.add_parser(
        "init", parents=[packs], help="scaffold a student repository for GitLab"
    )
    init.add_argument("directory", type=Path, nargs="?", default=Path("."))
    init.set_defaults(handler=handlers["init"])

    release = commands.add_parser(
        "release", help="show a course's hidden checks to students before their date"
    )
    release.add_argument("ids", nargs="*", metavar="EXERCISE", help="exercise ids, e.g. ex4")
    release.add_argument("--all", action="store_true", help="every exercise of the course")
    release.add_argument(
        "--course", type=Path, metavar="FILE", help="the course file (default: ./course.yaml)"
    )
    release.set_defaults(handler=handlers["release"])

    verify = commands.add_parser("verify", help="check the signature of a JSON report")
    verify.add_argument("report", type=Path)
    verify.add_argument("--key", help=f"the teacher's signing key (default: ${KEY_VARIABLE})")
    rerun_help = "re-grade the recorded repository and compare the verdicts"
    verify.add_argument("--rerun", action="store_true", help=rerun_help)
    verify.add_argument("--path", type=Path, help="where that repository is now")
    verify.set_defaults(handler=handlers["verify"])

    images = commands.add_parser("images", help="offline stand-in images")
    images.add_argument("action", choices=("seed",))
    images.add_argument("--force", action="store_true", help="rebuild even if present")
    images.set_defaults(handler=handlers["images"])

    clean = commands.add_parser("clean", help="remove everything grader runs left behind")
    clean.add_argument("--cache", action="store_true", help="also the grader-cache:* images")
    clean.add_argument("--kubeconfig", help="also the grader's namespaces on this cluster")
    clean.add_argument("--context", help="the kubeconfig context")
    clean.set_defaults(handler=handlers["clean"])

    selftest_help = "grade exercises' reference solutions and broken variants (teachers)"
    selftest = commands.add_parser("selftest", parents=[packs], help=selftest_help)
    selftest.add_argument(
        "targets", nargs="*", metavar="ID|DIR", help="exercise ids, or a pack folder (default: all)"
    )
    selftest.add_argument("--kubeconfig", help="a cluster, for the live variants too")
    selftest.set_defaults(handler=handlers["selftest"])

    new = commands.add_parser("new", help="scaffold a new exercise in a pack (teachers)")
    new.add_argument("id", help="the exercise id, e.g. tp1 (its folder: tp1_<slug>)")
    new.add_argument(
        "--kind", choices=("dockerfile", "compose", "kubernetes", "live"), default="dockerfile"
    )
    new.add_argument("--slug", default="exercise", help="the folder name's second part")
    new.add_argument(
        "--pack",
        type=Path,
        default=Path("."),
        dest="pack_dir",
        help="the pack folder to write it in (default: here)",
    )
    new.set_defaults(handler=handlers["new"])
    return parser


def _shard_spec(value: str) -> tuple[int, int]:
    from grader.classroom.roster import parse_shard

    try:
        return parse_shard(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"expected I/N, e.g. 3/8 ({error})") from error


def _deadline(value: str) -> object:
    from grader.classroom.checkout import parse_deadline

    try:
        return parse_deadline(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError("expected a date like 2026-12-01T23:59") from error


def _save_spec(value: str) -> tuple[str, Path]:
    from grader.reports.report import FORMATS

    fmt, _, path = value.partition(":")
    if fmt not in FORMATS or not path:
        raise argparse.ArgumentTypeError(f"expected FORMAT:PATH with FORMAT in {FORMATS}")
    return fmt, Path(path)
