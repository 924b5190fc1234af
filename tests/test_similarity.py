"""Similar submissions: known copies are flagged, independent solutions are not."""

from __future__ import annotations

from pathlib import Path

import yaml

from grader.classroom.similarity import (
    dockerfile_features,
    features,
    similar_pairs,
    yaml_features,
)

CLASS = Path(__file__).resolve().parent.parent / "fixtures" / "similarity"


def _class() -> dict[str, dict[str, list[str]]]:
    return {
        s.name: {e: features(s / e) for e in ("ex6", "ex7")}
        for s in sorted(CLASS.iterdir())
        if s.is_dir()
    }


def test_known_copies_are_flagged_and_nothing_else() -> None:
    expected = yaml.safe_load((CLASS / "expect.yaml").read_text())["flagged"]
    found = [[p.exercise, p.first, p.second] for p in similar_pairs(_class())]
    assert sorted(found) == sorted(expected)


def test_flagged_pairs_carry_the_shared_content() -> None:
    pair = next(p for p in similar_pairs(_class()) if p.exercise == "ex6")
    assert "services.<name>.environment.MARIADB_PASSWORD=Al1ce-pw" in pair.shared
    assert pair.score >= 0.75


def test_comments_case_line_breaks_and_order_do_not_matter_in_a_dockerfile() -> None:
    a = dockerfile_features("FROM debian:12\nRUN apt-get update && apt-get install -y a b\n")
    b = dockerfile_features(
        "# c\nfrom  debian:12\nrun apt-get update \\\n && apt-get install -y b a\n"
    )
    assert a == b


def test_names_and_list_forms_do_not_matter_in_yaml() -> None:
    a = yaml_features(
        "services:\n  db: {image: mariadb}\n  web: {depends_on: [db], environment: {H: db}}\n"
    )
    b = yaml_features(
        "services:\n  web2:\n    environment: [H=base]\n    depends_on: [base]\n  base: {image: mariadb}\n"
    )
    assert a == b


def test_what_the_whole_class_shares_is_not_evidence() -> None:
    same = ["FROM debian:12.8-slim", "EXPOSE 8080", "USER web", "CMD x", "RUN y"]
    submissions = {f"s{k}": {"ex7": same} for k in range(5)}
    assert similar_pairs(submissions) == []
    submissions["s0"]["ex7"] = [*same, "COPY a b", "RUN z", "ENV Q=1", "LABEL k=v"]
    submissions["s1"]["ex7"] = [*same, "COPY a b", "RUN z", "ENV Q=1", "LABEL k=v"]
    assert [(p.first, p.second) for p in similar_pairs(submissions)] == [("s0", "s1")]


def test_unparsable_yaml_is_compared_as_text() -> None:
    assert yaml_features("services: [\n  oops") == {"services: [", "oops"}
