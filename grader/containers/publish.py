"""The publishing commands a student hands in (`docker build -t`, `docker tag`, `docker push`,
`docker login`), read as text and never executed, then replayed by the grader itself.

`read_plan` finds the commands in the folder's scripts or Markdown code blocks
(`grader.containers.run_commands`: prompts, `sudo`, continuations, `&&`), or its own
`.gitlab-ci.yml`; split over several scripts (`build.sh`, `push.sh`), it reads them together
in the order the folder gives (`grader.containers.script_order`); when the folder holds none
that pushes, it reads the jobs of the repository's root `.gitlab-ci.yml` that build the folder.
`grader.containers.publish_steps` expands the variables the file sets (`VERSION=1.0`,
`export IMAGE=…`) and GitLab's predefined ones (`$CI_REGISTRY_IMAGE`: from the job's
environment, else an example value), and keeps, in order, the steps the engine would take.
`replay` plays them as the Docker client does: the image built from the submission's
Dockerfile gets every `-t` name, `docker tag` copies a name the commands made, `docker push`
without a tag pushes `latest` only and fails for a tag that does not exist locally. Pushes to
the course's registry go to a local one instead (the names are the student's, the host is
mapped); pushes elsewhere (Docker Hub) are noted, not made.
"""

from __future__ import annotations

import os
import posixpath
import re
from collections.abc import Mapping
from pathlib import Path, PurePosixPath

from grader.containers import gitlab_ci, references, script_order
from grader.containers.publish_steps import Plan, Step, plan_of
from grader.containers.run_commands import SCRIPTS, find_commands

__all__ = ["EXAMPLE", "Plan", "Step", "course_variables", "read_plan", "root_plan"]

ANY = re.compile(r"\S")
REMOTE = re.compile(r"^(?:[\w+.-]+://|git@|-$)")  # a build context that is no folder
PUBLISH_FILES = ("publish.sh",)  # read first; then any script, then the Markdown files
# A `.gitlab-ci.yml` in the folder is read too: its jobs' scripts, variables first (gitlab_ci).
# GitLab's predefined variables where no job defines them: an example project.
EXAMPLE = {
    "CI_PROJECT_PATH": "groupe/projet",
    "CI_PROJECT_DIR": "/builds/groupe/projet",
    "CI_COMMIT_SHORT_SHA": "1a2b3c4d",
    "CI_COMMIT_SHA": "1a2b3c4d" * 5,
    "CI_COMMIT_TAG": "1.0.0",
    "CI_COMMIT_REF_SLUG": "main",
    "CI_COMMIT_REF_NAME": "main",
    "CI_REGISTRY_USER": "gitlab-ci-token",
    "CI_JOB_TOKEN": "jeton",
    "CI_REGISTRY_PASSWORD": "jeton",
}


def course_variables(registry: str, environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """GitLab's registry variables: the job's own when set, else the course registry's example."""
    env = os.environ if environ is None else environ
    found = {k: v for k, v in EXAMPLE.items()}
    found["CI_REGISTRY"] = registry
    found["CI_REGISTRY_IMAGE"] = f"{registry}/{EXAMPLE['CI_PROJECT_PATH']}"
    found |= {k: env[k] for k in [*EXAMPLE, "CI_REGISTRY", "CI_REGISTRY_IMAGE"] if env.get(k)}
    return found


def read_plan(
    folder: Path,
    *,
    variables: Mapping[str, str],
    root: Path | None = None,
    inside: str = "",
) -> Plan:
    """The publishing steps: of the first file of `folder` that pushes (`publish.sh` first) if
    it builds too; else of the scripts that build and push between them, in their order
    (`script_order`); else of that first file. When no file of the folder pushes: of the jobs
    of the repository's `.gitlab-ci.yml` (`root`, where the folder is `inside`) that build the
    folder. Else of the first file with docker commands."""
    plans = _folder_plans(folder, variables)
    first = next((p for p in plans if p.pushes), None)
    if first is not None and not first.builds:
        first = _split(folder, plans, _root_jobs(root, inside)) or first
    if first is not None:
        return first
    ci = root_plan(root, inside, variables) if root is not None else Plan(None, [])
    if ci.pushes or (ci.steps and not plans):
        return ci
    return plans[0] if plans else Plan(None, [])


def _folder_plans(folder: Path, variables: Mapping[str, str]) -> list[Plan]:
    """One plan a file with publishing commands: `publish.sh` first, then by name."""
    commands = find_commands(folder, pattern=ANY, pick=_words)
    ci = gitlab_ci.find(folder)
    if ci is not None:
        commands += gitlab_ci.commands(ci, pattern=ANY, pick=_words)
    files = sorted({c.file for c in commands}, key=lambda f: (f not in PUBLISH_FILES, f))
    plans = [plan_of(f, [c for c in commands if c.file == f], variables) for f in files]
    return [p for p in plans if p.steps]


def _split(folder: Path, plans: list[Plan], root_jobs: list[str]) -> Plan | None:
    """The scripts that publish between them (`build.sh`, `push.sh`) as one plan, in the
    order the folder (or a job of the root `.gitlab-ci.yml`, `root_jobs`) gives, else the
    natural one; ambiguous when neither is known; None when fewer than two scripts have
    publishing commands, or none pushes."""
    scripts = {p.file: p for p in plans if p.file and _is_script(p.file)}
    if len(scripts) < 2 or not any(p.pushes for p in scripts.values()):
        return None
    order = script_order.given_order(folder, list(scripts), also=root_jobs)
    if order is None or not any(scripts[name].pushes for name in order):
        order = script_order.natural_order({name: p.kinds() for name, p in scripts.items()})
    if order is None:
        names = sorted(scripts)
        return Plan(None, [s for n in names for s in scripts[n].steps], ambiguous=tuple(names))
    return Plan(" + ".join(order), [s for name in order for s in scripts[name].steps])


def _root_jobs(root: Path | None, inside: str) -> list[str]:
    """The script lines of each job of the repository's `.gitlab-ci.yml` that goes into the
    folder `inside` (`cd ex16`), one text a job: where the folder's scripts may be run."""
    path = gitlab_ci.find(root) if root is not None else None
    if path is None or not inside:
        return []
    folder = re.escape(posixpath.normpath(inside))
    into = re.compile(rf"\bcd\s+(?:\$\{{?CI_PROJECT_DIR\}}?/|\./)?{folder}/?(?:\s|&|;|$)")
    texts = ["\n".join(lines) for _, lines in gitlab_ci.script_lines(path)]
    return [text for text in texts if into.search(text)]


def _is_script(file: str) -> bool:
    suffix = PurePosixPath(file).suffix.lower()
    return suffix in SCRIPTS or not suffix


def root_plan(root: Path, inside: str, variables: Mapping[str, str]) -> Plan:
    """The jobs of the repository's `.gitlab-ci.yml` that build the folder `inside` (the
    build's context, `-f <inside>/Dockerfile`, or `.` after `cd <inside>`; paths are the
    repository's), less the images they build from other folders; named `../.gitlab-ci.yml`,
    from the folder. Only the file itself is read, as untrusted text (gitlab_ci)."""
    folder = posixpath.normpath(inside or ".")
    path = gitlab_ci.find(root)
    if path is None or folder == ".." or folder.startswith(("../", "/")):
        return Plan(None, [])
    label = "../" * len(PurePosixPath(folder).parts) + path.name
    project = variables.get("CI_PROJECT_DIR", EXAMPLE["CI_PROJECT_DIR"]).rstrip("/")
    steps: list[Step] = []
    for job in gitlab_ci.jobs(path, pattern=ANY, pick=_words, label=label):
        steps += _own_steps(plan_of(label, job.commands, variables).steps, folder, project)
    return Plan(label, steps)


def _own_steps(steps: list[Step], folder: str, project: str) -> list[Step]:
    """A job's steps if it builds `folder`, without the images built from other folders (and
    their tags and pushes); [] for a job that does not build it."""
    foreign: set[str] = set()
    kept: list[Step] = []
    for step in steps:
        names = [found for found in map(references.key, step.names) if found]
        if step.kind == "build" and not _builds(step, folder, project):
            foreign.update(names)
        elif step.kind == "tag" and names[:1] and names[0] in foreign:
            foreign.update(names[1:])
        elif not (step.kind == "push" and names[:1] and names[0] in foreign):
            kept.append(step)
    return kept if any(s.kind == "build" for s in kept) else []


def _builds(step: Step, folder: str, project: str) -> bool:
    """Whether the build's context is `folder`, or its Dockerfile is in it."""

    def resolved(path: str) -> str:
        found = posixpath.normpath(posixpath.join(step.cwd or ".", path))
        if found == project or found.startswith(project + "/"):
            found = posixpath.relpath(found, project)
        return found

    context = step.context
    if context and not REMOTE.match(context) and resolved(context) == folder:
        return True
    return bool(step.dockerfile) and resolved(step.dockerfile).startswith(folder + "/")


def _words(words: list[str]) -> list[str] | None:
    return words or None
