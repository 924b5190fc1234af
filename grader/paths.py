"""Where the grader's own data lives. Its templates are files of the package itself; the
exercises, stand-in recipes and sample sit at the top of the source tree and are shipped
inside the wheel under `grader/_data/`."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def data_dir(name: str, *, source: str | None = None) -> Path:
    """The folder `name` shipped with the grader (wheel) or at the top of the checkout."""
    installed = _PACKAGE / "_data" / name
    if installed.is_dir():
        return installed
    return _PACKAGE.parent / (source or name)


def exercises_dir() -> Path:
    return data_dir("exercises")


def reports_dir() -> Path:
    """The reports' Jinja templates (`grader/reports/templates/*.j2`)."""
    return _PACKAGE / "reports" / "templates"


def images_dir() -> Path:
    return data_dir("images", source="fixtures/images")


def sample_dir() -> Path:
    return data_dir("sample", source="fixtures/sample")


def messages_file() -> Path:
    return _PACKAGE / "messages.yaml"


def templates_dir() -> Path:
    """The GitLab CI templates (`grader/templates/*.gitlab-ci.yml`)."""
    return _PACKAGE / "templates"


def grader_source(module: str) -> Path:
    """The source file of one of the grader's own modules (`grader.authoring` →
    `…/grader/authoring.py`), for what reads it without importing it."""
    return _PACKAGE.parent.joinpath(*module.split(".")).with_suffix(".py")
