"""What the command says when no Docker engine answers (no engine needed to test it)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from grader.cli import main
from tests.helpers.repos import ROOT

SAMPLE = ROOT / "fixtures" / "sample"


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        (
            "fr",
            (
                "Impossible de joindre un moteur Docker",
                "sudo systemctl start docker",
                "docker info",
            ),
        ),
        ("en", ("Cannot reach a Docker engine", "sudo systemctl start docker", "docker info")),
    ],
)
def test_no_docker_engine_exits_2_and_says_how_to_start_one(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    lang: str,
    words: tuple[str, ...],
) -> None:
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
    out = io.StringIO()
    status = main(["check", "ex1", "--path", str(SAMPLE), "--lang", lang], stdout=out)
    said = capsys.readouterr().err
    assert status == 2 and out.getvalue() == ""
    assert all(w in said for w in words), said
    assert "/nonexistent/docker.sock" in said  # what was tried


@pytest.mark.parametrize(
    ("lang", "said"),
    [
        (
            "fr",
            "Le dossier nowhere/tp n'existe pas : rien n'a été corrigé. Donnez le dossier de votre "
            "dépôt avec --path, ou lancez grader depuis ce dossier.\n",
        ),
        (
            "en",
            "The folder nowhere/tp does not exist: nothing was graded. Give your repository's "
            "folder with --path, or run grader from that folder.\n",
        ),
    ],
)
def test_a_path_that_does_not_exist_is_said_in_one_line_and_exits_2(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    lang: str,
    said: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    out = io.StringIO()
    status = main(["check", "--all", "--path", "nowhere/tp", "--lang", lang], stdout=out)
    assert status == 2 and out.getvalue() == "" and capsys.readouterr().err == said


def test_exercises_not_started_need_no_engine(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
    out = io.StringIO()
    assert main(["check", "--all", "--path", str(tmp_path)], stdout=out) == 0
    assert "Aucun exercice n'est encore commencé" in out.getvalue()
    assert main(["check", "ex1", "--path", str(tmp_path)], stdout=io.StringIO()) == 1
