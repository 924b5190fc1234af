"""Hidden checks (course.yaml `hidden:`): before their date a student's report, in every format
and in the job log, says how many there are and nothing else; the teacher's batch has them all.

The grading is real (a pytest child grading ex15, a static Kubernetes exercise: no engine
needed). Each leak test first grades without hiding, to learn the hidden check's title and
hint as the student would see them, and proves they do show there: the absence asserted
after is then not vacuous.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import http.server
import io
import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import yaml

from grader.cli import main
from grader.model import course as courses
from grader.model.course_error import CourseError
from grader.model.hidden import Hiding, from_arg
from grader.paths import templates_dir
from tests.helpers.repos import variant

VARIANT = variant("ex15", "everything_in_default")  # fails the check hidden below
HIDDEN = "test_every_object_is_in_that_namespace"
FORMATS = ("text", "md", "html", "json", "junit", "codequality")
PAST, FUTURE = "2020-01-01T00:00:00+01:00", "2099-01-01T00:00:00+01:00"


def _repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(VARIANT, root / "ex15", ignore=shutil.ignore_patterns("expect.yaml"))
    return root


def _course(tmp_path: Path, hidden: str, extra: str = "") -> Path:
    path = tmp_path / "course.yaml"
    path.write_text(f"exercises:\n  - id: ex15\n    hidden: {hidden}\n  - ex14\n{extra}")
    return path


def _outputs(root: Path, lang: str, *args: str) -> tuple[int, str]:
    """Everything a student sees of one `grader check`: the job log (stdout and stderr) and
    every report format, joined."""
    saved = [root.parent / f"report-{lang}.{fmt}" for fmt in FORMATS]
    log, errors = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(errors):
        code = main(
            [
                "check",
                "ex15",
                "--path",
                str(root),
                "--lang",
                lang,
                *args,
                *(
                    a
                    for fmt, p in zip(FORMATS, saved, strict=True)
                    for a in ("--save", f"{fmt}:{p}")
                ),
            ],
            stdout=log,
        )
    return code, "\n".join([log.getvalue(), errors.getvalue(), *(p.read_text() for p in saved)])


def _seen(root: Path, lang: str) -> tuple[str, str, float]:
    """The hidden check's title and hint as a student sees them when it is not hidden, and
    the exercise's points without it."""
    out = root.parent / "seen.json"
    assert (
        main(
            [
                "check",
                "ex15",
                "--path",
                str(root),
                "--lang",
                lang,
                "--format",
                "json",
                "-o",
                str(out),
            ],
            stdout=io.StringIO(),
        )
        == 1
    )
    exercise = json.loads(out.read_text())["exercises"][0]
    check = next(c for c in exercise["checks"] if c["name"] == HIDDEN)
    return check["title"], check["hint"], exercise["max_points"] - check["max_points"]


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_a_hidden_check_leaks_into_no_format_and_is_counted(tmp_path: Path, lang: str) -> None:
    root = _repo(tmp_path)
    title, hint_text, rest = _seen(root, lang)
    code, shown = _outputs(root, lang)
    assert title in shown and hint_text.splitlines()[0] in shown  # visible without a course

    code, shown = _outputs(root, lang, "--course", str(_course(tmp_path, f"[{HIDDEN}]")))
    for secret in (title, hint_text.splitlines()[0], HIDDEN, "ex15.outside"):
        assert secret not in shown, secret
    count = "1 vérification(s) cachée(s)" if lang == "fr" else "1 hidden check(s)"
    assert shown.count(count) >= 4  # text, md, html, junit (json carries the number)
    data = json.loads((root.parent / f"report-{lang}.json").read_text())
    exercise = data["exercises"][0]
    assert (exercise["hidden"], data["totals"]["hidden"], len(exercise["checks"])) == (1, 1, 4)
    assert exercise["max_points"] == exercise["declared_points"] == rest  # nor its points
    assert code == 3  # its failure does not make the job red: nothing of it is known


def test_past_its_date_or_released_a_hidden_check_is_graded_and_shown(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    title, _, _ = _seen(root, "en")
    past = _course(tmp_path, f"{{checks: [{HIDDEN}], until: {PAST!r}}}")
    code, shown = _outputs(root, "en", "--course", str(past))
    assert code == 1 and title in shown and "hidden check" not in shown

    future = _course(tmp_path, f"{{checks: all, until: {FUTURE!r}}}")
    code, shown = _outputs(root, "en", "--course", str(future))
    assert title not in shown and "5 hidden check(s)" in shown and "2099-01-01 00:00" in shown
    assert main(["release", "ex15", "--course", str(future)], stdout=io.StringIO()) == 0
    assert "released: [ex15]" in future.read_text()
    code, shown = _outputs(root, "en", "--course", str(future))
    assert code == 1 and title in shown and "hidden check" not in shown


def test_release_without_exercises_or_course_says_what_it_needs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)  # no course.yaml here
    assert main(["release", "ex15"]) == 2
    course = _course(tmp_path, f"[{HIDDEN}]")
    assert main(["release", "--course", str(course)]) == 2  # no exercise named
    said = capsys.readouterr().err.splitlines()
    assert (
        said
        == [
            "grader release: name the exercises (or --all) and the course file "
            "(--course, or ./course.yaml)"
        ]
        * 2
    )


def test_the_teachers_batch_grades_and_shows_the_hidden_checks(tmp_path: Path) -> None:
    clones = tmp_path / "clones"
    shutil.copytree(VARIANT, clones / "ana" / "ex15", ignore=shutil.ignore_patterns("expect.yaml"))
    course = _course(tmp_path, f"[{HIDDEN}]")
    out = tmp_path / "out"
    assert (
        main(
            ["batch", str(clones), "--out", str(out), "--course", str(course)], stdout=io.StringIO()
        )
        == 0
    )
    report = json.loads((out / "students" / "ana" / "report.json").read_text())
    names = {c["name"]: c["status"] for c in report["exercises"][0]["checks"]}
    assert names[HIDDEN] == "failed" and report["exercises"][0]["hidden"] == 0


def test_a_hidden_check_the_exercise_does_not_have_is_named(tmp_path: Path) -> None:
    errors = io.StringIO()
    with contextlib.redirect_stderr(errors):
        code = main(
            [
                "check",
                "ex15",
                "--path",
                str(tmp_path),
                "--course",
                str(_course(tmp_path, "[test_every_objet]")),
            ]
        )
    assert code == 2
    assert "exercises[0].hidden: ex15 has no check 'test_every_objet'" in errors.getvalue()
    assert HIDDEN in errors.getvalue()  # the names it has, to pick from


@pytest.mark.parametrize(
    ("hidden", "message"),
    [
        (
            "3",
            "exercises[0].hidden: expected all, a list of check names, or {checks, until}, found 3",
        ),
        (
            "{until: '2026-12-01T00:00:00+01:00'}",
            "exercises[0].hidden: expected all, a list of "
            "check names, or {checks, until}, found a mapping",
        ),
        ("[]", "exercises[0].hidden: expected all, a list of check names, or {checks, until}"),
    ],
)
def test_a_bad_hidden_field_is_said_in_one_line(tmp_path: Path, hidden: str, message: str) -> None:
    with pytest.raises(CourseError) as error:
        courses.load(_course(tmp_path, hidden))
    assert message in str(error.value)


def test_hidden_until_its_date_the_deadline_or_a_release() -> None:
    deadline = dt.datetime(2026, 12, 15, 23, 59, tzinfo=dt.UTC)
    data = {
        "exercises": [
            {"id": "ex1", "deadline": deadline.isoformat(), "hidden": "all"},
            {"id": "ex2", "hidden": ["test_b"]},
            {"id": "ex3", "hidden": {"checks": ["test_c"], "until": "2026-12-01T00:00:00Z"}},
        ]
    }
    assert courses.validate(data) == []
    course = courses._course(Path("course.yaml"), data)
    before = dt.datetime(2026, 11, 30, tzinfo=dt.UTC)
    assert course.hidden_now(before) == {
        "ex1": Hiding(None, deadline),
        "ex2": Hiding(frozenset({"test_b"}), None),
        "ex3": Hiding(frozenset({"test_c"}), dt.datetime(2026, 12, 1, tzinfo=dt.UTC)),
    }
    assert set(course.hidden_now(dt.datetime(2026, 12, 2, tzinfo=dt.UTC))) == {"ex1", "ex2"}
    assert set(course.hidden_now(deadline + dt.timedelta(seconds=1))) == {"ex2"}  # until released
    released = courses._course(Path("course.yaml"), {**data, "released": ["ex2"]})
    assert set(released.hidden_now(before)) == {"ex1", "ex3"}
    everything = courses._course(Path("course.yaml"), {**data, "released": ["all"]})
    assert everything.hidden_now(before) == {}


def test_the_child_is_told_what_is_hidden_and_until_when_so_its_result_is_complete() -> None:
    until = dt.datetime(2026, 12, 15, 23, 59, tzinfo=dt.UTC)
    dated, released_only = Hiding(frozenset({"test_b", "test_a"}), until), Hiding()
    assert dated.arg("ex4") == "ex4=test_a,test_b@2026-12-15T23:59:00+00:00"
    assert released_only.arg("ex9") == "ex9=*"
    assert from_arg(dated.arg("ex4")) == ("ex4", dated)
    assert from_arg(released_only.arg("ex9")) == ("ex9", released_only)
    assert (dated.until_text, released_only.until_text) == ("2026-12-15T23:59:00+00:00", None)


def test_the_student_template_fetches_the_course_and_its_job_hides_the_checks(
    tmp_path: Path,
) -> None:
    """The template's own lines, run in bash against a real HTTP server: the course file comes
    with the token header, alone (its pack folder is the teacher's), and the job's grading
    hides what it says."""
    course = _course(tmp_path, f"[{HIDDEN}]", "packs: [exercices-maison]\n").read_bytes()
    heard: list[str | None] = []

    class Course(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            heard.append(self.headers.get("PRIVATE-TOKEN"))
            self.send_response(200)
            self.end_headers()
            self.wfile.write(course)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Course)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        job = yaml.safe_load((templates_dir() / "student.gitlab-ci.yml").read_text())["grade"]
        fetch = next(line for line in job["script"] if "GRADER_COURSE_URL" in line)
        root = _repo(tmp_path)
        grader = f"{sys.executable} -m grader check ex15 --path {root} --lang en"
        env = {
            **os.environ,
            "GRADER_COURSE_TOKEN": "s3cret",
            "GRADER_COURSE_URL": f"http://127.0.0.1:{server.server_port}/course.yaml",
        }
        env.pop("GRADER_COURSE", None)
        done = subprocess.run(
            ["bash", "-ec", f"{fetch}\n{grader}"],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    finally:
        server.shutdown()
    assert heard == ["s3cret"]
    assert done.returncode == 3, done.stdout + done.stderr
    assert "1 hidden check(s)" in done.stdout and HIDDEN not in done.stdout + done.stderr
