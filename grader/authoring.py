"""All that an exercise's checks may import: the one stable surface for exercise authors.

An exercise (ours, or a teacher's) imports from here and from nowhere else in `grader`
(`tests/test_authoring.py` holds every exercise to it), so the grader's insides can move without
breaking one. What is here:

- **the fixtures' types**, to annotate a check's arguments: `Submission`, `Exercise`,
  `GradingSession`, `Client`, `BuildResult`, `RunResult`, `Server`, `HttpResponse`,
  `Manifest`, `Manifests`, `Applied`, `Cluster`, `NamespaceView`, `Instruction`;
- **failing kindly**: `hint` (a message key of the exercise's `messages.yaml` and its values),
  `Hint`, `NotAttempted`; the assert helpers `assert_present`, `assert_stack_started`,
  `assert_stack_allowed`;
- **the shared checks**, imported by name into an exercise module (pytest collects them there,
  under that exercise): the Compose ones (`test_compose_file_is_present`…) and the Kubernetes
  ones (`test_manifests_parse`, `test_manifests_match_the_kubernetes_schemas`), and
  `also_live`, which makes a cluster check grade `--live` too;
- **reading what the student wrote**: `compose` (a Compose project's services, ports, mounts,
  environment), `kube` (the hints of the Kubernetes checks, images, security contexts),
  `image_files`, the Dockerfile readers (`instructions`, `image_tag`, `tail`, `build_hint`,
  `advice_hint`), the manifest readers (`containers`, `init_containers`, `pod_templates`,
  `label_selector`, `mapping`), what a container's command does (`pod_commands`: whether it
  ends, which files it writes), `port_forward` (an HTTP request to a pod, as `kubectl
  port-forward`), the verdicts on live objects (`deployment_verdict`, `pod_verdict`,
  `job_verdict`), and the engine and HTTP helpers the live checks need;
- **publishing images**: `publish` (the `docker build -t`/`tag`/`push`/`login` commands read),
  `references` (image names as Docker reads them), `registry` (a local registry for the run, a
  registry's API) and `replay` (the commands played against it).
"""

from __future__ import annotations

from grader.containers import compose, image_files, publish, references, registry, replay
from grader.containers.docker_host import engine_host
from grader.containers.dockerfile import (
    Instruction,
    advice_hint,
    build_hint,
    image_tag,
    instructions,
    tail,
)
from grader.containers.engine import (
    BuildResult,
    Client,
    RunResult,
    Server,
    published_ports,
    run_container,
)
from grader.containers.http import HttpResponse, published_url
from grader.containers.images import STANDINS, base_images, repository
from grader.grading import checks
from grader.grading.checks import (
    DOCKERFILE_NAMES,
    assert_present,
    assert_stack_allowed,
    assert_stack_started,
    find_dockerfile,
)
from grader.grading.compose_checks import (
    test_compose_file_is_present,
    test_compose_file_is_valid,
    test_compose_file_or_run_command_is_present,
    test_compose_gives_no_warning,
    test_host_folders_stay_in_the_exercise,
    test_where_the_stack_comes_from,
)
from grader.grading.kube_checks import (
    also_live,
    test_manifests_match_the_kubernetes_schemas,
    test_manifests_parse,
)
from grader.grading.session import GradingSession
from grader.grading.submission import Submission
from grader.k8s import kube, pod_commands, port_forward
from grader.k8s.apply_plan import grader_limit
from grader.k8s.cluster import Applied, Cluster, deployment_verdict, job_verdict, pod_verdict
from grader.k8s.ingress_standin import CONTROLLER as INGRESS_STANDIN_CONTROLLER
from grader.k8s.ingress_standin import DESCRIPTION as INGRESS_STANDIN_DESCRIPTION
from grader.k8s.kube_watch import NamespaceView
from grader.k8s.manifests import (
    Manifest,
    Manifests,
    containers,
    init_containers,
    label_selector,
    pod_templates,
)
from grader.model.catalogue import Exercise
from grader.model.hints import Hint, declared, hint
from grader.model.outcomes import NotAttempted
from grader.model.shapes import mapping

__all__ = [
    "DOCKERFILE_NAMES",
    "INGRESS_STANDIN_CONTROLLER",
    "INGRESS_STANDIN_DESCRIPTION",
    "STANDINS",
    "Applied",
    "BuildResult",
    "Client",
    "Cluster",
    "Exercise",
    "GradingSession",
    "Hint",
    "HttpResponse",
    "Instruction",
    "Manifest",
    "Manifests",
    "NamespaceView",
    "NotAttempted",
    "RunResult",
    "Server",
    "Submission",
    "advice_hint",
    "also_live",
    "assert_present",
    "assert_stack_allowed",
    "assert_stack_started",
    "base_images",
    "build_hint",
    "checks",
    "compose",
    "containers",
    "declared",
    "deployment_verdict",
    "engine_host",
    "find_dockerfile",
    "grader_limit",
    "hint",
    "image_files",
    "image_tag",
    "init_containers",
    "instructions",
    "job_verdict",
    "kube",
    "label_selector",
    "mapping",
    "pod_commands",
    "pod_templates",
    "pod_verdict",
    "port_forward",
    "publish",
    "published_ports",
    "published_url",
    "references",
    "registry",
    "replay",
    "repository",
    "run_container",
    "tail",
    "test_compose_file_is_present",
    "test_compose_file_is_valid",
    "test_compose_file_or_run_command_is_present",
    "test_compose_gives_no_warning",
    "test_host_folders_stay_in_the_exercise",
    "test_manifests_match_the_kubernetes_schemas",
    "test_manifests_parse",
    "test_where_the_stack_comes_from",
]
