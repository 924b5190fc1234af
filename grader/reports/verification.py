"""`grader verify`: a JSON report's signature checked with the teacher's key, and — asked to
rerun — its verdicts compared with a fresh grading of the same folder."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TextIO

from grader.model.results import Report
from grader.model.status import CannotGrade
from grader.reports.signing import KEY_VARIABLE, verify


def check(
    path: Path, key: str | None, *, again: bool = False, folder: Path | None = None, out: TextIO
) -> bool:
    """Say on `out` whether the report at `path` is signed with `key` (and, `again`, whether
    grading its `folder` again gives the same verdicts); True when it holds. Raises
    CannotGrade without a key or for a file that is no grader JSON report."""
    if not key:
        raise CannotGrade(f"grader verify: no key (--key or ${KEY_VARIABLE})")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        report = Report.from_dict(data)
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise CannotGrade(f"grader verify: {path} is not a grader JSON report ({error})") from error
    verdict = verify(data, key)
    print(f"{path}: {verdict}", file=out)
    if verdict != "valid":
        return False
    if not again:
        return True
    from grader.grading.rerun import rerun

    differences = rerun(report, folder)
    for line in differences:
        print(f"  {line}", file=out)
    print("rerun: " + ("same verdicts" if not differences else "DIFFERENT"), file=out)
    return not differences
