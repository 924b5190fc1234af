"""The one error of a missing Docker engine, apart from the engine's module: what only
decides whether to grade can say "no engine" without importing the docker SDK."""

from __future__ import annotations


class EngineUnavailable(Exception):
    """No Docker engine answers; the message says how to start one."""
