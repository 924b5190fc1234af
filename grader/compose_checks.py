"""The checks every Compose exercise starts with. An exercise module imports them by name
(pytest collects them there, under that exercise), as Kubernetes exercises do with
`grader.kube_checks`:

    from grader.compose_checks import test_compose_file_is_present, test_compose_file_is_valid
"""

from __future__ import annotations

import pytest

from grader import compose
from grader.checks import assert_compose_valid, assert_present
from grader.hints import hint
from grader.submission import Submission


@pytest.mark.points(1)
def test_compose_file_is_present(submission: Submission) -> None:
    """Un fichier Compose existe dans le dossier de l'exercice
    en: A Compose file exists in the exercise folder"""
    assert_present(submission, *compose.FILE_NAMES, key="common.no_compose_file")


@pytest.mark.points(1)
def test_compose_file_is_valid(compose_config: compose.Config) -> None:
    """Le fichier Compose est valide (docker compose config)
    en: The Compose file is valid (docker compose config)"""
    assert_compose_valid(compose_config)


@pytest.mark.advisory
def test_compose_gives_no_warning(compose_config: compose.Config) -> None:
    """Docker Compose ne signale rien sur le fichier
    en: Docker Compose has no warning about the file"""
    warnings = "\n".join(f"- {w}" for w in compose_config.warnings)
    assert not warnings, hint("common.compose_warnings", warnings=warnings)
