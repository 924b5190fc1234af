"""`check -j N` starts the exercise that took longest last time first (grader.grading.durations)."""

from __future__ import annotations

from pathlib import Path

from grader.grading import durations
from grader.model.catalogue import Catalogue


def test_the_longest_last_time_goes_first_and_the_unknown_keep_their_order(tmp_path: Path) -> None:
    catalogue = Catalogue.load()
    ex1, ex2, ex3, ex6 = (catalogue.get(i) for i in ("ex1", "ex2", "ex3", "ex6"))
    path = tmp_path / "durations.json"
    assert durations.load(path) == {}  # none yet: the catalogue's order
    assert durations.longest_first([ex1, ex2, ex3, ex6], durations.load(path)) == [
        ex1,
        ex2,
        ex3,
        ex6,
    ]
    durations.remember({durations.key(ex6): 14.2, durations.key(ex2): 3.0}, path)
    durations.remember({durations.key(ex3): 6.5}, path)  # merged with what was known
    known = durations.load(path)
    assert durations.longest_first([ex1, ex2, ex3, ex6], known) == [ex6, ex3, ex2, ex1]


def test_an_unreadable_file_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "durations.json"
    for text in ("{not json", "[1, 2]", '{"ex1@1": "slow"}'):
        path.write_text(text)
        assert durations.load(path) == {}
    (tmp_path / "ro").write_text("a file where a folder should be")
    durations.remember({"ex1@1": 2.0}, tmp_path / "ro" / "durations.json")  # no error


def test_exercises_are_packed_into_groups_of_about_equal_time() -> None:
    catalogue = Catalogue.load()
    ids = ["ex1", "ex2", "ex3", "ex5", "ex6", "ex7", "ex15"]
    exercises = [catalogue.get(i) for i in ids]
    known = {"ex6@1": 20.0, "ex3@1": 6.5, "ex1@1": 2.3, "ex2@1": 2.5, "ex5@1": 2.2, "ex7@1": 2.2}
    groups = durations.pack(exercises, 2, known)  # ex15 never timed: 3 s
    assert [[e.id for e in g] for g in groups] == [
        ["ex6"],
        ["ex1", "ex2", "ex3", "ex5", "ex7", "ex15"],
    ]
    assert sorted(e.id for g in durations.pack(exercises, 4, {}) for e in g) == sorted(ids)
    assert (
        len(durations.pack(exercises, 4, {})) == 4
        and len(durations.pack(exercises[:2], 4, {})) == 2
    )
