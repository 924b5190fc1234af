"""`grader` started as a separate process, as a terminal starts it."""

from __future__ import annotations

import signal
import subprocess
import sys
from typing import Any


def grader_process(*argv: str, **options: Any) -> subprocess.Popen[str]:
    """`python -m grader ARGV`, its output piped as text (`options` go to Popen). SIGINT
    (Ctrl-C) is not ignored in it, even when the tests run in a script's background job,
    where the shell makes every process ignore it."""
    settings: dict[str, Any] = {
        "stdout": subprocess.PIPE,
        "stderr": subprocess.PIPE,
        "preexec_fn": lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "grader", *argv], text=True, **settings | options
    )
