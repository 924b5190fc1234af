"""Reports a teacher can trust: HMAC-SHA256 over a canonical form of the JSON report.

The key is the teacher's (an environment variable, a protected CI variable on GitLab); a
student who edits a signed report — a score, a status, a hint — cannot produce a matching
signature without it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any, Literal

ALGORITHM = "HMAC-SHA256"
KEY_VARIABLE = "GRADER_SIGNING_KEY"
Verdict = Literal["valid", "tampered", "unsigned"]


def canonical(report: dict[str, Any]) -> bytes:
    """The report without its signature, as sorted compact JSON (stable across machines)."""
    body = {k: v for k, v in report.items() if k != "signature"}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _mac(report: dict[str, Any], key: str) -> str:
    return hmac.new(key.encode(), canonical(report), hashlib.sha256).hexdigest()


def sign(report: dict[str, Any], key: str) -> dict[str, Any]:
    return {**report, "signature": {"algorithm": ALGORITHM, "value": _mac(report, key)}}


def verify(report: dict[str, Any], key: str) -> Verdict:
    signature = report.get("signature")
    if not isinstance(signature, dict) or "value" not in signature:
        return "unsigned"
    if signature.get("algorithm") != ALGORITHM:
        return "tampered"
    same = hmac.compare_digest(str(signature["value"]), _mac(report, key))
    return "valid" if same else "tampered"
