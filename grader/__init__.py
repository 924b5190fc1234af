"""grader: checks Docker and Kubernetes course exercises on a real engine."""

from __future__ import annotations

__version__ = "0.1.0"
