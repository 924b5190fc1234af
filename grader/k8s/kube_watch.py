"""What the cluster says about one grading namespace, for the live checks' waits and failures.

A wait on a pod, a Deployment or a Job stops as soon as its outcome is known (an image that
cannot be pulled will not be pulled in 120 s), and a failure says why, from the pods' status,
the events and the last log lines (`kube_diagnosis`), instead of "not ready after 120 s".
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from grader.k8s import kube_diagnosis
from grader.k8s.manifests import label_selector
from grader.model.hints import Hint

LOG_TAIL = 5
POLL_SECONDS = 2
Verdict = Callable[[Any], tuple[bool, str]]


def poll(read: Callable[[], Any], done: Callable[[Any], bool], *, seconds: float) -> Any:
    """Call `read()` until `done(value)` or the deadline; returns the last value read."""
    stop = time.monotonic() + seconds
    while True:
        value = read()
        if done(value) or time.monotonic() > stop:
            return value
        time.sleep(POLL_SECONDS)


@dataclass
class NamespaceView:
    core: Any  # kubernetes.client.CoreV1Api
    namespace: str

    def pods(self, *, selector: str | None = None, name: str | None = None) -> list[Any]:
        fields = f"metadata.name={name}" if name else None
        return list(
            self.core.list_namespaced_pod(
                self.namespace, label_selector=selector, field_selector=fields
            ).items
        )

    def events(self) -> list[Any]:
        return list(self.core.list_namespaced_event(self.namespace).items)

    def logs(self, pod: str, container: str) -> str:
        """The last lines of the container's previous run if it restarted, else of this one."""
        from kubernetes.client.exceptions import ApiException

        for previous in (True, False):
            try:
                text = self.core.read_namespaced_pod_log(
                    pod,
                    self.namespace,
                    container=container,
                    tail_lines=LOG_TAIL,
                    previous=previous,
                )
            except ApiException:
                continue
            if text:
                return str(text)
        return ""

    def hopeless(
        self, *, selector: str | None = None, name: str | None = None, job: Any | None = None
    ) -> bool:
        """Whether waiting longer cannot change the outcome (never raises: a wait goes on)."""
        try:
            pods = self.pods(selector=selector, name=name)
            return kube_diagnosis.is_hopeless(pods, self.events(), job=job)
        except Exception:
            return False

    def until_ready(
        self,
        read: Callable[[], Any],
        verdict: Verdict,
        *,
        seconds: float,
        selector: str | None = None,
        name: str | None = None,
    ) -> tuple[bool, str, Hint | None]:
        """Poll `read()` until `verdict` says ready, the outcome of the selected pods is known or
        the deadline: (ready, status, why not — as the cluster tells it)."""
        last = poll(
            read,
            lambda o: verdict(o)[0] or self.hopeless(selector=selector, name=name),
            seconds=seconds,
        )
        ready, status = verdict(last)
        return ready, status, None if ready else self.why(selector=selector, name=name)

    def why(self, *, selector: str | None = None, name: str | None = None) -> Hint | None:
        """Why the selected pods are not running and ready, if the cluster tells."""
        pods = self.pods(selector=selector, name=name)
        return kube_diagnosis.diagnose_pods(pods, self.events(), logs=self.logs)

    def why_job(self, job: Any) -> Hint | None:
        pods = self.pods(selector=f"job-name={job.metadata.name}")
        return kube_diagnosis.diagnose_job(job, pods, self.events(), logs=self.logs)

    def why_no_endpoints(self, service: Any) -> Hint | None:
        """Why a Service will never have a ready endpoint: its selector matches none of the
        namespace's running pods, or the pods it selects will never be ready (a readiness probe
        given up, a crash loop…: then why, as the cluster tells it)."""
        problem = kube_diagnosis.service_without_endpoints(service, self.pods())
        chosen = (service.spec.selector if service.spec is not None else None) or {}
        if problem is not None or not chosen:
            return problem
        selector = label_selector(chosen)
        return self.why(selector=selector) if self.hopeless(selector=selector) else None
