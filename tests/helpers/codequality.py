"""What GitLab accepts as a Code Quality report."""

from __future__ import annotations

from typing import Any

SEVERITIES = {"info", "minor", "major", "critical", "blocker"}


def assert_gitlab_format(issues: Any) -> None:
    assert isinstance(issues, list)
    for issue in issues:
        assert {"description", "check_name", "fingerprint", "severity", "location"} <= set(issue)
        assert all(
            isinstance(issue[k], str) and issue[k]
            for k in ("description", "check_name", "fingerprint")
        )
        assert issue["severity"] in SEVERITIES
        path = issue["location"]["path"]
        assert isinstance(path, str) and path and not path.startswith(("/", "./"))
        begin = issue["location"]["lines"]["begin"]
        assert isinstance(begin, int) and begin >= 1
    fingerprints = [i["fingerprint"] for i in issues]
    assert len(fingerprints) == len(set(fingerprints)), "GitLab shows one issue per fingerprint"
