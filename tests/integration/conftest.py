from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.helpers.leftovers import managed
from tests.helpers.sample import SampleRun, grade_the_sample

SHARED = "GRADER_TESTS_SHARED_ENGINE"


@pytest.fixture(autouse=True)
def nothing_left_behind(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every integration test ends with no container, network, volume or image of the grader.
    A case marked `engine_free` (a Kubernetes exercise's static tier) needs no engine: it runs,
    rather than being skipped, where none answers.
    With GRADER_TESTS_SHARED_ENGINE=1 (`scripts/test.sh`'s second lane: the GitLab pipelines,
    which grade in Docker-in-Docker engines of their own, then the cluster tests, which grade
    on Kubernetes) another run grades on this engine meanwhile, so a new object here may be
    that run's: the check is left to that run, whose every test keeps it, and to the final
    check that nothing of the grader remains once both lanes are done."""
    if request.node.get_closest_marker("engine_free") or os.environ.get(SHARED) == "1":
        yield
        return
    engine = request.getfixturevalue("engine")
    before = set(managed(engine))  # another run's objects on a shared engine are not this test's
    yield
    left = [name for name in managed(engine) if name not in before]
    assert left == [], f"the grader left these behind: {left}"


@pytest.fixture(scope="session")
def sample_run(engine: object, tmp_path_factory: pytest.TempPathFactory) -> SampleRun:
    """`grader check --all` on the bundled sample, the reference solutions, graded once for
    every test that reads it (the command's own tests, each exercise's full marks)."""
    return grade_the_sample(tmp_path_factory.mktemp("sample"))
