"""A course: `course.yaml` at the root of the teacher's repository.

It says once what a teacher would otherwise repeat on every command line: the exercises (with
their weights and deadlines), the teacher's packs, strictness, and the late policy. Without a
course file every default holds as before. The file is checked against the JSON Schema shipped
beside this module (`course.schema.json`, which editors can use too), and every problem is
said in one line naming the field, what was expected and what was found: a teacher fixing a
typo at midnight before a deadline should not read a traceback.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from grader.model import lateness
from grader.model.course_error import CourseError
from grader.model.hidden import Hiding, active

FILE_NAME = "course.yaml"
SCHEMA_NAME = "course.schema.json"


@dataclass(frozen=True)
class CourseExercise:
    id: str
    weight: float = 1.0
    deadline: dt.datetime | None = None
    hidden: Hiding | None = None  # checks kept out of students' reports until a date


@dataclass(frozen=True)
class Course:
    path: Path
    exercises: list[CourseExercise]
    name: str = ""
    packs: list[Path] = field(default_factory=list)
    strict: bool = False
    late: lateness.LatePolicy = lateness.NONE
    released: list[str] = field(default_factory=list)  # hidden checks shown early (or "all")

    def ids(self) -> list[str]:
        return [e.id for e in self.exercises]

    def weights(self) -> dict[str, float]:
        return {e.id: e.weight for e in self.exercises}

    def deadlines(self) -> dict[str, dt.datetime]:
        return {e.id: e.deadline for e in self.exercises if e.deadline is not None}

    def hidden_now(self, now: dt.datetime | None = None) -> dict[str, Hiding]:
        """What a student's own report must not show at `now` (default: this moment)."""
        hidings = {e.id: e.hidden for e in self.exercises if e.hidden is not None}
        return active(hidings, now or dt.datetime.now(dt.UTC), self.released)

    def unknown_checks(self, check_names: Callable[[str], list[str]]) -> list[str]:
        """One line per hidden check that the exercise does not have, and per released id
        that is not the course's: a typo must not leave a check shown."""
        problems = []
        for k, exercise in enumerate(self.exercises):
            hidden = exercise.hidden.checks if exercise.hidden is not None else None
            have = check_names(exercise.id) if hidden else []
            for name in sorted(hidden - set(have) if hidden else ()):
                problems.append(
                    f"exercises[{k}].hidden: {exercise.id} has no check {name!r} "
                    f"(its checks: {', '.join(have)})"
                )
        problems += [
            f"released: {r!r} is not an exercise of the course"
            for r in self.released
            if r != "all" and r not in self.ids()
        ]
        return problems

    def unknown(self, known: Iterable[str]) -> list[str]:
        """The course's exercise ids the catalogue (ours and the packs') does not hold."""
        have = set(known)
        return [i for i in self.ids() if i not in have]


def schema() -> dict[str, Any]:
    text = schema_path().read_text(encoding="utf-8")
    found: dict[str, Any] = json.loads(text)
    return found


def schema_path() -> Path:
    return Path(__file__).with_name(SCHEMA_NAME)


def find(folder: Path) -> Path | None:
    """The course file of `folder`, if there is one."""
    path = folder / FILE_NAME
    return path if path.is_file() else None


def load(path: Path, *, with_packs: bool = True) -> Course:
    """The course of `path`; raises CourseError listing every problem found. `with_packs`
    False: pack folders that are not there are left out rather than refused (a student's job
    has the course file alone; the course's packs are installed there, found by entry point)."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise CourseError(path, [f"cannot be read ({error.strerror or error})"]) from error
    except yaml.YAMLError as error:
        where = getattr(error, "problem_mark", None)
        line = f"line {where.line + 1}: " if where is not None else ""
        problem = getattr(error, "problem", None) or str(error)
        raise CourseError(path, [f"{line}not valid YAML ({problem})"]) from error
    data = _plain(data)
    problems = validate(data)
    if problems:
        raise CourseError(path, problems)
    return _course(path, data, with_packs=with_packs)


def validate(data: Any) -> list[str]:
    """One line per schema violation, in the order of the file's fields."""
    import jsonschema

    validator = jsonschema.Draft202012Validator(schema())
    errors = sorted(validator.iter_errors(data), key=lambda e: [str(p) for p in e.path])
    return [_message(e) for e in errors]


def _message(error: Any) -> str:
    """`exercises[1].weight: expected a number > 0, found -2`."""
    where = _where(error.absolute_path) or "the file"
    found = _shown(error.instance)
    kind, expected = error.validator, error.validator_value
    description = error.schema.get("description") if isinstance(error.schema, dict) else None
    if kind == "additionalProperties":
        known = sorted((error.schema.get("properties") or {}).keys())
        extra = sorted(set(error.instance) - set(known)) if isinstance(error.instance, dict) else []
        names = ", ".join(repr(e) for e in extra)
        hint = f" (known: {', '.join(known)})" if known else ""
        return f"{where}: unknown field {names}{hint}"
    if kind == "required":
        missing = [r for r in expected if r not in error.instance]
        return f"{where}: missing field {', '.join(repr(m) for m in missing)}"
    if kind == "type":
        wanted = " or ".join(_TYPES.get(t, t) for t in _list(expected))
        return f"{where}: expected {wanted}, found {found}"
    if kind == "enum":
        return f"{where}: expected one of {', '.join(map(repr, expected))}, found {found}"
    if kind in _BOUNDS:
        return f"{where}: expected a number {_BOUNDS[kind]} {expected}, found {found}"
    if kind == "minItems":
        return f"{where}: expected at least {expected} item(s), found none"
    if kind in ("pattern", "minLength") and description:
        return f"{where}: expected {description}, found {found}"
    if kind == "oneOf" and isinstance(error.schema, dict) and "x-expected" in error.schema:
        return f"{where}: expected {error.schema['x-expected']}, found {found}"
    return f"{where}: {error.message}"


_TYPES = {
    "string": "a text",
    "object": "a mapping",
    "array": "a list",
    "number": "a number",
    "boolean": "true or false",
    "integer": "a whole number",
}
_BOUNDS = {"minimum": ">=", "maximum": "<=", "exclusiveMinimum": ">", "exclusiveMaximum": "<"}


def _list(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _where(path: Iterable[Any]) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _shown(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    return json.dumps(value, ensure_ascii=False)


def _plain(data: Any) -> Any:
    """YAML's own dates (an unquoted `2026-12-01T23:59:00+01:00`) back to ISO text, so that
    the schema and the messages see what the teacher wrote."""
    if isinstance(data, dict):
        return {str(k): _plain(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_plain(v) for v in data]
    if isinstance(data, dt.datetime | dt.date):
        return data.isoformat()
    return data


def _course(path: Path, data: dict[str, Any], *, with_packs: bool = True) -> Course:
    """The course of schema-valid `data`; what the schema cannot say (a 31 February) is
    reported the same way."""
    problems: list[str] = []

    def moment(text: str, where: str) -> dt.datetime | None:
        try:
            return lateness.parse_moment(text)
        except ValueError:
            problems.append(f"{where}: expected a real date-time, found {_shown(text)}")
            return None

    exercises = []
    for k, item in enumerate(data["exercises"]):
        entry = {"id": item} if isinstance(item, str) else item
        deadline = entry.get("deadline")
        when = moment(deadline, f"exercises[{k}].deadline") if deadline else None
        exercises.append(
            CourseExercise(
                id=entry["id"],
                weight=float(entry.get("weight", 1)),
                deadline=when,
                hidden=_hiding(entry.get("hidden"), when, moment, f"exercises[{k}].hidden"),
            )
        )
    seen = [e.id for e in exercises]
    twice = sorted({i for i in seen if seen.count(i) > 1})
    problems += [f"exercises: {i!r} is listed twice" for i in twice]
    late = data.get("late") or {}
    penalty = late.get("penalty") or {}

    def extension(value: str, where: str) -> lateness.Extension | None:
        return moment(value, where) if "T" in value else lateness.parse_duration(value)

    extensions: dict[str, lateness.Extension | dict[str, lateness.Extension]] = {}
    for student, value in (late.get("extensions") or {}).items():
        where = f"late.extensions.{student}"
        if isinstance(value, dict):  # per exercise
            own = {i: extension(v, f"{where}.{i}") for i, v in value.items()}
            extensions[student] = {i: v for i, v in own.items() if v is not None}
            problems.extend(
                f"{where}.{i}: {i!r} is not an exercise of the course"
                for i in value
                if i not in seen
            )
        elif (found := extension(value, where)) is not None:
            extensions[student] = found
    policy = lateness.LatePolicy(
        grace=lateness.parse_duration(late["grace"]) if "grace" in late else dt.timedelta(0),
        per=penalty.get("per", "day"),
        percent=float(penalty.get("percent", 0)),
        cap=float(late.get("cap", 100)),
        extensions=extensions,
    )
    packs = [(path.parent / p).resolve() for p in data.get("packs") or []]
    absent = [p for p in packs if not p.is_dir()]
    if with_packs:
        problems += [
            f"packs[{k}]: expected a folder (relative to the course file), found "
            f"{_shown(str(p))}, which is not one"
            for k, p in enumerate(packs)
            if p in absent
        ]
    packs = [p for p in packs if p not in absent]
    if problems:
        raise CourseError(path, problems)
    return Course(
        path=path,
        exercises=exercises,
        name=str(data.get("name") or ""),
        packs=packs,
        strict=bool(data.get("strict", False)),
        late=policy,
        released=[str(r) for r in data.get("released") or []],
    )


def _hiding(
    value: Any,
    deadline: dt.datetime | None,
    moment: Callable[[str, str], dt.datetime | None],
    where: str,
) -> Hiding | None:
    """The hiding of schema-valid `value` (`all`, names, or {checks, until}); it lasts until
    `until`, else the exercise's deadline, else until released."""
    if value is None:
        return None
    spec = value if isinstance(value, dict) else {"checks": value}
    checks = spec["checks"]
    until = moment(spec["until"], f"{where}.until") if "until" in spec else deadline
    return Hiding(checks=None if checks == "all" else frozenset(checks), until=until)
