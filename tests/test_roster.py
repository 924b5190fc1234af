"""Rosters (folder, CSV, GitLab group), shards, and fetching a student's work at a deadline.

No Docker engine needed: real git repositories, and a local GitLab stand-in serving
recorded API responses and the repositories over HTTP (tests/gitlab_server.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.classroom import roster
from grader.classroom.checkout import CheckoutError, fetch, parse_deadline
from grader.classroom.gitlab_roster import auth_header
from tests.helpers.classes import git, make_student
from tests.helpers.gitlab_server import FakeGitLab


def test_folder_roster_one_student_per_subfolder(tmp_path: Path) -> None:
    for name in ("zoé", "adam", ".cache"):
        (tmp_path / name).mkdir()
    (tmp_path / "notes.txt").write_text("x")
    entries = roster.load(str(tmp_path))
    assert [e.student for e in entries] == ["adam", "zo"]  # sorted; unsafe characters cut
    assert entries[1].name == "zoé"
    assert entries[0].source == str((tmp_path / "adam").resolve())


def test_csv_roster_french_headers_semicolons_relative_paths(tmp_path: Path) -> None:
    (tmp_path / "depots" / "jdupont").mkdir(parents=True)
    (tmp_path / "classe.csv").write_text(
        "Nom;Identifiant;Dépôt\n"
        "Jeanne Dupont;jdupont;depots/jdupont\n"
        "Karim Benali;kbenali;https://gitlab.example.org/c/kbenali.git\n\n",
        encoding="utf-8",
    )
    entries = roster.load(str(tmp_path / "classe.csv"))
    assert [(e.student, e.name) for e in entries] == [
        ("jdupont", "Jeanne Dupont"),
        ("kbenali", "Karim Benali"),
    ]
    assert entries[0].source == str((tmp_path / "depots" / "jdupont").resolve())
    assert entries[1].source == "https://gitlab.example.org/c/kbenali.git"


def test_csv_roster_without_header_is_id_name_repository(tmp_path: Path) -> None:
    (tmp_path / "r.csv").write_text("e1,Eve,git@gitlab.example.org:c/e1.git\n")
    [entry] = roster.load(str(tmp_path / "r.csv"))
    assert (entry.student, entry.name, entry.source) == (
        "e1",
        "Eve",
        "git@gitlab.example.org:c/e1.git",
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("id,name,repository\na,A,x\na,B,y\n", "more than once: a"),
        ("id,name,repository\n", "no student"),
        ("", "empty"),
        ("id,name,repository\n,Nobody,x\n", "line 2"),
        ("nom,prénom\nx,y\n", "expected a student id column"),
    ],
)
def test_bad_csv_rosters_say_what_is_wrong(tmp_path: Path, content: str, message: str) -> None:
    (tmp_path / "r.csv").write_text(content)
    with pytest.raises(roster.RosterError, match=message):
        roster.load(str(tmp_path / "r.csv"))


def test_missing_roster() -> None:
    with pytest.raises(roster.RosterError, match="no such roster"):
        roster.load("/nonexistent/roster.csv")


def test_shards_are_disjoint_deterministic_and_cover_the_class() -> None:
    entries = [roster.Entry(f"s{k:02d}", "", "/x") for k in (7, 3, 11, 1, 5, 9, 2)]
    shards = [roster.shard(entries, i, 3) for i in (1, 2, 3)]
    ids = [[e.student for e in s] for s in shards]
    assert sorted(s for shard_ids in ids for s in shard_ids) == sorted(e.student for e in entries)
    assert ids == [
        [e.student for e in roster.shard(list(reversed(entries)), i, 3)] for i in (1, 2, 3)
    ]
    assert max(map(len, ids)) - min(map(len, ids)) <= 1
    assert roster.parse_shard("3/8") == (3, 8)
    with pytest.raises(ValueError):
        roster.parse_shard("9/8")


def _history(repo: Path) -> tuple[str, str]:
    """A repository with a commit before the deadline (2026-12-01 23:59 UTC) and one after."""
    make_student(repo, {"ex1": "forgot_install"}, date="2026-11-30T18:00:00+00:00")
    early = git(repo, "rev-parse", "HEAD")
    make_student(repo, {"ex1": None}, date="2026-12-02T09:30:00+00:00")
    return early, git(repo, "rev-parse", "HEAD")


def test_deadline_grades_the_last_commit_before_it_and_counts_the_later_ones(
    tmp_path: Path,
) -> None:
    early, late = _history(tmp_path / "src")
    entry = roster.Entry("s1", "S", str(tmp_path / "src"))
    at = fetch(entry, work=tmp_path / "work", deadline=parse_deadline("2026-12-01T23:59:00+00:00"))
    assert at.commit == early and at.root == tmp_path / "work" / "s1"
    assert at.late is not None and at.late.commits_after == 1
    assert git(at.root, "rev-parse", "HEAD") == early
    assert (tmp_path / "src" / ".git").exists() and git(
        tmp_path / "src", "rev-parse", "HEAD"
    ) == late
    on_time = fetch(
        entry, work=tmp_path / "work", deadline=parse_deadline("2026-12-03T00:00:00+00:00")
    )
    assert on_time.commit == late and on_time.late is not None and on_time.late.commits_after == 0
    with pytest.raises(CheckoutError, match="no commit before the deadline"):
        fetch(entry, work=tmp_path / "work", deadline=parse_deadline("2026-11-01T00:00:00+00:00"))


def test_local_folder_without_deadline_is_graded_in_place(tmp_path: Path) -> None:
    (tmp_path / "s").mkdir()
    assert (
        fetch(roster.Entry("s", "S", str(tmp_path / "s")), work=tmp_path / "w").root
        == tmp_path / "s"
    )
    with pytest.raises(CheckoutError, match="no such folder"):
        fetch(roster.Entry("s", "S", str(tmp_path / "nope")), work=tmp_path / "w")
    with pytest.raises(CheckoutError, match="not a git repository"):
        fetch(
            roster.Entry("s", "S", str(tmp_path / "s")),
            work=tmp_path / "w",
            deadline=parse_deadline("2026-12-01T00:00:00+00:00"),
        )


def test_unreachable_repository_is_a_one_line_error(tmp_path: Path) -> None:
    entry = roster.Entry("s", "S", "http://127.0.0.1:9/nobody.git")
    with pytest.raises(CheckoutError, match="git clone"):
        fetch(entry, work=tmp_path)


def test_gitlab_group_roster_lists_the_projects_and_clones_with_the_token(
    gitlab: FakeGitLab, tmp_path: Path
) -> None:
    entries = roster.load("gitlab://course-2026/students")
    assert [(e.student, e.name) for e in entries] == [
        ("amartin", "Alice Martin"),
        ("groupe-b__bpetit", "Bruno Petit"),
    ]
    assert all("secret" not in e.source for e in entries)
    done = fetch(entries[1], work=tmp_path / "w", auth_header=auth_header())
    assert "apt-get" in (done.root / "ex1" / "Dockerfile").read_text()
    assert "secret" not in (done.root / ".git" / "config").read_text()  # token not stored
    assert any(p.endswith("/info/refs") for p in gitlab.requests)


def test_gitlab_without_a_valid_token_says_so(
    gitlab: FakeGitLab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GRADER_GITLAB_TOKEN", "wrong")
    with pytest.raises(roster.RosterError, match="token is missing or invalid"):
        roster.load("gitlab://course-2026/students")
    entry = roster.Entry("amartin", "A", f"{gitlab.base}/course-2026/students/amartin.git")
    with pytest.raises(CheckoutError, match="git clone"):
        fetch(entry, work=tmp_path / "w", auth_header=auth_header())


def test_gitlab_unknown_group(gitlab: FakeGitLab) -> None:
    with pytest.raises(roster.RosterError, match="no such group"):
        roster.load("gitlab://course-2026/nobody")
