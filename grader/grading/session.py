"""The state of one grading run inside the pytest process (kept in `config.stash`)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from grader import __version__
from grader.model.catalogue import Catalogue, Exercise
from grader.model.hints import Hint, Infrastructure, Messages
from grader.model.labels import labels as engine_labels
from grader.model.results import CheckResult, ExerciseResult

if TYPE_CHECKING:
    from grader.containers.engine import Client


@dataclass(frozen=True)
class ClusterChoice:
    """Which Kubernetes cluster the live tier may use (none given: ~/.kube/config if any)."""

    kubeconfig: str | None = None
    context: str | None = None
    kind: bool = False
    # The one namespace to grade in (the course's shared cluster: a student's own space, where
    # they cannot create namespaces); None: a namespace per grading, or the context's own when
    # the identity cannot create namespaces.
    namespace: str | None = None

    def args(self) -> list[str]:
        found = ["--grader-kind"] if self.kind else []
        found += ["--grader-kubeconfig", self.kubeconfig] if self.kubeconfig else []
        found += ["--grader-namespace", self.namespace] if self.namespace else []
        return found + (["--grader-context", self.context] if self.context else [])


@dataclass
class GradingSession:
    exercises: list[Exercise]  # what the runner asked for, by id
    run_id: str
    root: Path
    lang: str
    mode: str
    workdir: Path
    out: Path
    catalogue: Catalogue
    cluster: ClusterChoice = field(default_factory=ClusterChoice)
    results: dict[str, ExerciseResult] = field(default_factory=dict)
    _client: Client | None = None
    _messages: dict[str, Messages] = field(default_factory=dict)

    def client(self) -> Client:
        if self._client is None:
            from grader.containers.engine import connect  # not for the command, which waits

            self._client = connect()
        return self._client

    def exercise_of(self, module: Path) -> Exercise | None:
        """The exercise a check module belongs to (among those graded)."""
        folder = module.resolve().parent
        return next((e for e in self.exercises if e.folder.resolve() == folder), None)

    def labels(self, exercise: Exercise) -> dict[str, str]:
        return engine_labels(self.run_id, exercise.id)

    def resource_name(self, exercise: Exercise) -> str:
        return f"grader-{self.run_id}-{exercise.id}"

    def result_for(self, exercise: Exercise) -> ExerciseResult:
        if exercise.id not in self.results:
            self.results[exercise.id] = ExerciseResult(
                id=exercise.id,
                title=exercise.title_in(self.lang),
                version=exercise.version,
                submission=str(self.root / exercise.submission),
            )
        return self.results[exercise.id]

    def render(self, item: Hint, exercise: Exercise) -> str:
        """`item` in the run's language, from the common messages and `exercise`'s own, its
        paths shown from the repository (`relative`)."""
        return self.relative(self._messages_of(exercise).render(item, self.lang), exercise)

    def infrastructure(self, item: Hint, exercise: Exercise) -> Infrastructure | None:
        """What `item`'s message declares of the infrastructure (`Messages.infrastructure`)."""
        return self._messages_of(exercise).infrastructure(item.key)

    def _messages_of(self, exercise: Exercise) -> Messages:
        if exercise.id not in self._messages:
            self._messages[exercise.id] = self.catalogue.messages(exercise)
        return self._messages[exercise.id]

    def relative(self, text: str, exercise: Exercise) -> str:
        """`text` with the repository's absolute paths, and the snapshot's, shown from the
        repository: `ex3/Dockerfile`, never `/builds/group/project/ex3/Dockerfile` (the runner's
        folder) nor the run's scratch folder."""
        submission = exercise.submission.rstrip("/")
        text = _from(text, self.workdir / exercise.id, inside=f"{submission}/", itself=submission)
        return _from(text, self.root, inside="", itself=".")

    def record(self, exercise: Exercise, check: CheckResult) -> None:
        self.result_for(exercise).checks.append(check)

    def note(self, exercise: Exercise, item: Hint) -> None:
        """A remark of the grader's on how it graded (shown in the report, not a check)."""
        text = self.render(item, exercise)
        if text not in self.result_for(exercise).notes:
            self.result_for(exercise).notes.append(text)

    def note_standin(self, exercise: Exercise, ref: str, kind: str) -> None:
        standins = self.result_for(exercise).standins
        entry = f"{ref} ({kind})"
        if entry not in standins:
            standins.append(entry)

    def write(self) -> None:
        data = {
            "grader_version": __version__,
            "exercises": [
                self.result_for(e).__dict__ for e in self.catalogue if e.id in self.results
            ],
        }
        self.out.write_text(json.dumps(data, default=lambda o: o.__dict__), encoding="utf-8")


def _from(text: str, absolute: Path, *, inside: str, itself: str) -> str:
    """`text` with `absolute/x` written `inside + x`, and `absolute` alone `itself` (never for
    `/` or a folder of the first level: too likely to be something else)."""
    if len(absolute.parts) < 3:
        return text
    pattern = re.compile(re.escape(str(absolute)) + r"(/|(?![\w.-]))")
    return pattern.sub(lambda m: inside if m[1] else itself, text)
