"""Student-facing messages: a hint is a key plus parameters, rendered in French or English.

Checks write `assert ok, hint("ex2.no_answer", status=503)`. The key names a message in a
catalogue (`grader/messages.yaml` for `common.*`, each exercise's `messages.yaml` for its
own id); rendering happens when the report is made, in the language asked for.
"""

from __future__ import annotations

import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

LANGS = ("fr", "en")
# libyaml's safe loader when PyYAML has it: the grader's own catalogues are read at the start of
# every grading, and the pure-Python loader took a quarter of a second for them.
SAFE_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
DEFAULT_LANG = "fr"
# What a message may declare of the infrastructure a check lacked (`Messages.infrastructure`).
Infrastructure = Literal["missing", "unjudged"]
INFRASTRUCTURE: tuple[Infrastructure, ...] = ("missing", "unjudged")


@dataclass(frozen=True)
class Hint:
    key: str
    params: Mapping[str, Any] = field(default_factory=dict)
    details: str | None = None  # a log excerpt shown under the hint (build output, ...)

    def __str__(self) -> str:  # only seen if a hint is rendered outside a report
        return f"[{self.key}] {dict(self.params)}"


def declared(key: str, family: Iterable[str]) -> str:
    """`key`, built at run time (`f"common.policy_{rule}"`), checked against the `family` its
    module declares in `HINT_KEYS`, which the catalogue test holds to the catalogue."""
    if key not in family:
        raise ValueError(f"hint key {key!r} is not declared in its module's HINT_KEYS")
    return key


def hint(key: str, /, *, details: str | None = None, **params: Any) -> Hint:
    """The message `key` of the catalogue, to be filled with `params`."""
    return Hint(key, params, details)


class _Lenient(dict[str, Any]):
    def __missing__(self, name: str) -> str:
        return "{" + name + "}"


class Messages:
    """A catalogue of messages: key → {fr: text, en: text}."""

    def __init__(self, entries: Mapping[str, Mapping[str, str]]) -> None:
        self._entries = dict(entries)

    @classmethod
    def load(cls, sources: Iterable[tuple[str, Path]]) -> Messages:
        """Load `(prefix, file)` pairs: each file's keys are stored as `prefix.key`."""
        entries: dict[str, Mapping[str, str]] = {}
        for prefix, path in sources:
            if not path.is_file():
                continue
            data = yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER) or {}
            for key, texts in data.items():
                entries[f"{prefix}.{key}"] = texts
        return cls(entries)

    def keys(self) -> list[str]:
        return sorted(self._entries)

    def text(self, key: str, lang: str) -> str | None:
        texts = self._entries.get(key)
        if texts is None:
            return None
        return texts.get(lang) or texts.get(DEFAULT_LANG)

    def infrastructure(self, key: str) -> Infrastructure | None:
        """What the message `key` declares of the infrastructure (`infrastructure:` beside its
        texts): `missing` — the check was not attempted for want of it, not for the student's
        work; `unjudged` — and that leaves the whole exercise unjudged here; None: neither."""
        value = (self._entries.get(key) or {}).get("infrastructure")
        if value not in (None, *INFRASTRUCTURE):
            raise ValueError(
                f"{key}: infrastructure must be one of {INFRASTRUCTURE}, not {value!r}"
            )
        return value

    def render(self, item: Hint, lang: str) -> str:
        template = self.text(item.key, lang)
        if template is None:
            return str(item)
        params = _Lenient({k: self._shown(v, lang) for k, v in item.params.items()})
        return string.Formatter().vformat(template, (), params).strip()

    def _shown(self, value: Any, lang: str) -> Any:
        if isinstance(value, Hint):
            return self.render(value, lang)
        if isinstance(value, list | tuple):
            return "\n".join(f"• {self._shown(v, lang)}" for v in value) or "—"
        return value
