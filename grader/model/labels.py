"""The labels that mark what the grader makes, on the Docker engine and on a cluster alike:
clean-up finds its objects by them, and never touches an object without them."""

from __future__ import annotations

LABEL_MANAGED = "fr.grader.managed"
LABEL_RUN = "fr.grader.run"
LABEL_EXERCISE = "fr.grader.exercise"
LABEL_STANDIN = "fr.grader.standin"


def labels(run_id: str, exercise_id: str | None = None) -> dict[str, str]:
    result = {LABEL_MANAGED: "1", LABEL_RUN: run_id}
    if exercise_id:
        result[LABEL_EXERCISE] = exercise_id
    return result
