"""The checks every Compose exercise starts with. An exercise module takes them by name from
`grader.authoring` (pytest collects them there, under that exercise), as Kubernetes exercises
do with `grader.grading.kube_checks`'s:

    test_compose_file_is_valid = authoring.test_compose_file_is_valid
"""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.containers import compose, docker_run
from grader.grading.checks import assert_compose_valid, assert_present
from grader.grading.fixtures import ComposeSource
from grader.grading.submission import Submission
from grader.model.hints import hint


@pytest.mark.points(1)
def test_compose_file_is_present(submission: Submission) -> None:
    """Un fichier Compose existe dans le dossier de l'exercice
    en: A Compose file exists in the exercise folder"""
    assert_present(submission, *compose.FILE_NAMES, key="common.no_compose_file")


@pytest.mark.points(1)
def test_compose_file_or_run_command_is_present(
    submission: Submission, compose_source: ComposeSource
) -> None:
    """Un fichier Compose, ou une commande docker run (script .sh, README), existe
    en: A Compose file, or a docker run command (.sh script, README), exists"""
    if compose_source.file is None:
        unread = docker_run.advice(compose_source.translation) if compose_source.translation else []
        assert not unread, hint(
            "common.run_only_unreadable", folder=submission.source, notes=unread
        )
        assert_present(submission, *compose.FILE_NAMES, key="common.no_compose_or_run")


@pytest.mark.advisory
@pytest.mark.points(0)
def test_where_the_stack_comes_from(compose_source: ComposeSource) -> None:
    """D'où vient la stack corrigée (votre fichier Compose, ou votre commande docker run)
    en: Where the graded stack comes from (your Compose file, or your docker run command)"""
    translation = compose_source.translation
    notes = docker_run.advice(translation) if translation and compose_source.file else []
    assert not notes, hint("common.run_graded_from", notes=notes)


@pytest.mark.points(1)
def test_compose_file_is_valid(compose_config: compose.Config) -> None:
    """Le fichier Compose est valide (docker compose config)
    en: The Compose file is valid (docker compose config)"""
    assert_compose_valid(compose_config)


@pytest.mark.advisory
@pytest.mark.points(0)
def test_compose_gives_no_warning(compose_config: compose.Config) -> None:
    """Docker Compose ne signale rien sur le fichier
    en: Docker Compose has no warning about the file"""
    warnings = "\n".join(f"- {w}" for w in compose_config.warnings)
    assert not warnings, hint("common.compose_warnings", warnings=warnings)


@pytest.mark.advisory
@pytest.mark.points(0)
def test_host_folders_stay_in_the_exercise(
    valid_compose_config: dict[str, object], compose_file: Path
) -> None:
    """Les dossiers de l'hôte montés sont dans le dossier de l'exercice
    en: The host folders mounted are inside the exercise folder"""
    outside = compose.binds_outside(valid_compose_config, compose_file.parent)
    assert not outside, hint("common.host_folders_rerooted", paths=", ".join(outside))
