"""`grader new`: a new exercise in a teacher's pack, ready to adapt — a statement,
`exercise.yaml`, checks that import only `grader.authoring`, a reference solution and one
broken variant with its `expect.yaml`. As written it passes `grader selftest`: the reference
scores full marks, the variant fails the check it should, with its hint.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from pathlib import Path
from string import Template

KINDS = ("dockerfile", "compose", "kubernetes", "live")
_ID = re.compile(r"^[a-z][a-z0-9]*$")
_SLUG = re.compile(r"^[a-z0-9_]+$")


class NewExerciseError(Exception):
    """The exercise cannot be written (said in one line)."""


@dataclass(frozen=True)
class Recipe:
    """One kind of exercise: its catalogue entry, statement, checks, messages and cases."""

    title_fr: str
    title_en: str
    needs: str
    modes: str
    statement: str
    checks: str
    messages: str
    solution: dict[str, str]
    # (folder, files — None: the solution's, with $replicas = 1 —, expect.yaml)
    variant: tuple[str, dict[str, str | None], str] | None


EXERCISE_YAML = """\
id: $id
title:
  fr: "$title_fr"
  en: "$title_en"
needs: [$needs]
submission: $id          # the folder in the student's repository
version: "1"
modes: [$modes]
timeout: 300
"""

README = """\
# $id — $title_fr

> Énoncé à adapter (écrit par `grader new`). / Statement to adapt.

$statement

Vérifiez votre travail : `grader check $id$live_flag`
"""

HEADER = '''\
"""Checks of $id (scaffolded by `grader new`: adapt the statement, the checks and the cases).

Import from `grader.authoring` only. Each check: a docstring whose first line is the French
title and an `en:` line; `@pytest.mark.points(n)`; on failure `assert ok, hint("$id.key", …)`
with the key in messages.yaml. `grader selftest` tries the solution and every variant.
"""

from __future__ import annotations

'''

DOCKERFILE = Recipe(
    title_fr="Une image qui dit bonjour",
    title_en="An image that says hello",
    needs="docker",
    modes="files",
    statement="Écrivez `$id/Dockerfile` : une image dont la commande par défaut affiche `bonjour`.",
    checks=HEADER
    + '''\
from collections.abc import Callable
from pathlib import Path

import pytest

from grader.authoring import (
    DOCKERFILE_NAMES,
    BuildResult,
    RunResult,
    Submission,
    assert_present,
    build_hint,
    hint,
    tail,
)


@pytest.mark.points(1)
def test_dockerfile_is_present(submission: Submission) -> None:
    """Le fichier $id/Dockerfile existe
    en: The file $id/Dockerfile exists"""
    assert_present(submission, *DOCKERFILE_NAMES, key="common.no_dockerfile")


@pytest.mark.points(3)
def test_image_builds(image_build: BuildResult, dockerfile: Path) -> None:
    """L'image se construit (docker build)
    en: The image builds (docker build)"""
    assert image_build.ok, build_hint(image_build, dockerfile)


@pytest.mark.points(2)
def test_default_command_says_bonjour(run_in_image: Callable[..., RunResult]) -> None:
    """La commande par défaut affiche bonjour
    en: The default command prints bonjour"""
    run = run_in_image(timeout=20)
    assert run.problem() is None, run.problem()
    assert "bonjour" in run.output, hint("$id.no_bonjour", details=tail(run.output or "—"))
''',
    messages="""\
no_bonjour:
  fr: >-
    La commande par défaut de l'image doit afficher « bonjour ». Vérifiez CMD (ou ENTRYPOINT)
    dans le Dockerfile, puis `docker run --rm <image>`.
  en: >-
    The image's default command must print "bonjour". Check CMD (or ENTRYPOINT) in the
    Dockerfile, then `docker run --rm <image>`.
""",
    solution={"Dockerfile": 'FROM debian:12\nCMD ["echo", "bonjour"]\n'},
    variant=(
        "says_something_else",
        {"Dockerfile": 'FROM debian:12\nCMD ["echo", "salut"]\n'},
        "# The default command prints something else.\n"
        "failed:\n  test_default_command_says_bonjour: $id.no_bonjour\n",
    ),
)

COMPOSE = Recipe(
    title_fr="nginx avec Docker Compose",
    title_en="nginx with Docker Compose",
    needs="docker",
    modes="files",
    statement="Écrivez `$id/compose.yaml` : un service nginx joignable sur http://localhost:8090/.",
    checks=HEADER
    + '''\
from collections.abc import Callable

import pytest

from grader import authoring
from grader.authoring import HttpResponse, compose, hint, published_url

# The first checks, shared by every Compose exercise (collected here by pytest).
test_compose_file_is_present = authoring.test_compose_file_is_present
test_compose_file_is_valid = authoring.test_compose_file_is_valid


@pytest.mark.points(3)
def test_nginx_answers_on_8090(
    running_stack: compose.Project, http_probe: Callable[..., HttpResponse]
) -> None:
    """nginx répond sur http://localhost:8090/
    en: nginx answers on http://localhost:8090/"""
    response = http_probe(published_url(8090), deadline=10)
    assert response.status == 200, hint("$id.no_answer", status=response.status or "—")
''',
    messages="""\
no_answer:
  fr: >-
    Rien ne répond correctement sur http://localhost:8090/ (statut : {status}). Publiez le
    port 80 du service nginx sur le port 8090 de l'hôte : `ports: ["8090:80"]`.
  en: >-
    Nothing answers properly on http://localhost:8090/ (status: {status}). Publish the nginx
    service's port 80 on the host's port 8090: `ports: ["8090:80"]`.
""",
    solution={
        "compose.yaml": 'services:\n  web:\n    image: nginx\n    ports:\n      - "8090:80"\n'
    },
    variant=(
        "wrong_port",
        {"compose.yaml": 'services:\n  web:\n    image: nginx\n    ports:\n      - "8091:80"\n'},
        "# nginx published on another port.\n"
        "failed:\n  test_nginx_answers_on_8090: $id.no_answer\n",
    ),
)

KUBERNETES = Recipe(
    title_fr="Un Deployment nginx à deux réplicas",
    title_en="An nginx Deployment, two replicas",
    needs="kubernetes",
    modes="files",
    statement="Écrivez dans `$id/` le manifeste d'un Deployment nginx à deux réplicas.",
    checks=HEADER
    + '''\
import pytest

from grader import authoring
from grader.authoring import Manifest, Manifests, NotAttempted, hint, kube

# The first two checks, shared by every Kubernetes exercise (collected here by pytest).
test_manifests_parse = authoring.test_manifests_parse
test_manifests_match_the_kubernetes_schemas = authoring.test_manifests_match_the_kubernetes_schemas


@pytest.fixture(scope="module")
def deployment(valid_manifests: Manifests) -> Manifest:
    found = valid_manifests.of_kind("Deployment")
    if not found:
        raise NotAttempted(hint("$id.no_deployment"))
    return found[0]


@pytest.mark.points(1)
def test_a_deployment_runs_nginx(valid_manifests: Manifests) -> None:
    """Un Deployment utilise l'image nginx
    en: A Deployment uses the nginx image"""
    deployments = Manifests(objects=valid_manifests.of_kind("Deployment"))
    assert kube.uses_image(deployments, "nginx"), hint("$id.no_deployment")


@pytest.mark.points(2)
def test_two_replicas(deployment: Manifest) -> None:
    """Le Deployment demande deux réplicas
    en: The Deployment asks for two replicas"""
    replicas = deployment.spec.get("replicas", 1)
    assert replicas == 2, hint("$id.replicas", found=replicas)
''',
    messages="""\
no_deployment:
  fr: >-
    Aucun Deployment n'utilise l'image nginx : écrivez `kind: Deployment` avec `image: nginx`
    dans son modèle de pod.
  en: >-
    No Deployment uses the nginx image: write `kind: Deployment` with `image: nginx` in its
    pod template.
replicas:
  fr: "Le Deployment demande {found} réplica(s), il en faut 2 : `spec.replicas: 2`."
  en: "The Deployment asks for {found} replica(s); 2 are expected: `spec.replicas: 2`."
""",
    solution={
        "deployment.yaml": """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: $replicas
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
        - name: nginx
          image: nginx:1.27
          ports:
            - containerPort: 80
"""
    },
    variant=(
        "one_replica",
        {"deployment.yaml": None},
        "# One replica only.\nfailed:\n  test_two_replicas: $id.replicas\n",
    ),
)

LIVE = Recipe(
    title_fr="Un conteneur nginx sur votre Docker",
    title_en="An nginx container on your Docker",
    needs="docker",
    modes="live",
    statement="Lancez sur votre Docker un conteneur nginx (`docker run -d nginx`), puis "
    "faites corriger votre moteur.",
    checks=HEADER
    + '''\
import pytest

from grader.authoring import Client, checks, hint


@pytest.mark.live
@pytest.mark.points(3)
def test_an_nginx_container_runs(docker_client: Client) -> None:
    """Un conteneur nginx tourne sur votre Docker
    en: An nginx container runs on your Docker"""
    assert checks.containers_from(docker_client, "nginx"), hint("$id.no_container")
''',
    messages="""\
no_container:
  fr: >-
    Aucun conteneur nginx ne tourne : `docker run -d nginx`, puis `docker ps` pour le voir.
  en: >-
    No nginx container is running: `docker run -d nginx`, then `docker ps` to see it.
""",
    solution={"commands.sh": "docker run -d --name $id-web nginx\n"},
    variant=None,
)

RECIPES = {"dockerfile": DOCKERFILE, "compose": COMPOSE, "kubernetes": KUBERNETES, "live": LIVE}


def scaffold(pack: Path, exercise_id: str, *, kind: str, slug: str = "exercise") -> list[Path]:
    """Write the exercise `<pack>/<id>_<slug>/`; returns the files written."""
    if not _ID.match(exercise_id) or not _SLUG.match(slug):
        raise NewExerciseError(
            f"{exercise_id}_{slug}: an id like tp1 (lower case letters, "
            "then digits) and a slug like flask_app are expected"
        )
    if kind not in RECIPES:
        raise NewExerciseError(f"unknown kind {kind!r}: one of {', '.join(KINDS)}")
    folder = pack / f"{exercise_id}_{slug}"
    if folder.exists():
        raise NewExerciseError(f"{folder} already exists: nothing was written")
    recipe = RECIPES[kind]
    values = {k: v for k, v in asdict(recipe).items() if isinstance(v, str)}
    values |= {"id": exercise_id, "live_flag": " --live" if kind == "live" else "", "replicas": "2"}
    values["statement"] = Template(recipe.statement).substitute(values)

    def text(template: str, **extra: str) -> str:
        return Template(template).substitute(values | extra)

    files: dict[Path, str] = {
        folder / "exercise.yaml": text(EXERCISE_YAML),
        folder / "README.md": text(README),
        folder / f"test_{slug}.py": text(recipe.checks),
        folder / "messages.yaml": recipe.messages,
    }
    for name, body in recipe.solution.items():
        files[folder / "solution" / name] = text(body)
    if recipe.variant is not None:
        case, changed, expect = recipe.variant
        for name, changed_body in changed.items():
            body = changed_body or recipe.solution[name]
            files[folder / "variants" / case / name] = text(body, replicas="1")
        files[folder / "variants" / case / "expect.yaml"] = text(expect)
    for path, content in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
    return list(files)
