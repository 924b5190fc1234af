"""The engine's refusals reach the student in its own words, with what to try."""

from __future__ import annotations

import pytest

from grader.containers import container_errors
from grader.containers.engine import RunResult


@pytest.mark.parametrize(
    ("error", "key", "shown"),
    [
        (
            "OCI runtime create failed: container_linux.go:380: starting container process caused: "
            'exec: "/entrypoint.sh": permission denied: unknown',
            "permission_denied",
            'exec: "/entrypoint.sh": permission denied',
        ),
        (
            "OCI runtime create failed: runc create failed: unable to start container process: exec: "
            '"cowsay": executable file not found in $PATH: unknown',
            "not_found",
            'unable to start container process: exec: "cowsay": executable file not found in $PATH',
        ),
        (
            "driver failed programming external connectivity on endpoint web: Bind for 0.0.0.0:8082 "
            "failed: port is already allocated",
            "port_taken",
            None,
        ),
        (
            "standard_init_linux.go:228: exec user process caused: exec format error",
            "exec_format",
            "exec format error",
        ),
        ("something new the engine says", "refused", "something new the engine says"),
    ],
)
def test_a_refusal_names_its_cause_in_the_engines_words(error: str, key: str, shown: str) -> None:
    found = container_errors.refused(error)
    assert found.key == f"common.container_{key}"
    assert found.params["error"] == (shown or error)


def test_an_exec_failure_after_start_is_told_apart_from_the_programs_own_exit() -> None:
    crlf = RunResult(1, "exec /entrypoint.sh: no such file or directory\n")
    assert (
        problem := crlf.problem()
    ) is not None and problem.key == "common.container_no_such_file"
    assert RunResult(1, "python: can't open file: No such file or directory\n").problem() is None
    assert RunResult(0, "").problem() is None


def test_never_exit_code_none() -> None:
    refused = RunResult(None, "", "Error response from daemon: no such image")
    assert (problem := refused.problem()) is not None and problem.key == "common.container_refused"
    assert RunResult(None, "", "timed out", timed_out=True).problem() is None
    oom = RunResult(137, "", oom=True).problem()
    assert oom is not None and oom.key == "common.container_oom"
