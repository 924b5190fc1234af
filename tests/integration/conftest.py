from __future__ import annotations

from collections.abc import Iterator

import pytest

from grader.containers.engine import grader_images
from grader.model.labels import LABEL_MANAGED
from tests.helpers.sample import SampleRun, grade_the_sample


@pytest.fixture(autouse=True)
def nothing_left_behind(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every integration test ends with no container, network, volume or image of the grader.
    A case marked `engine_free` (a Kubernetes exercise's static tier) needs no engine: it runs,
    rather than being skipped, where none answers."""
    if request.node.get_closest_marker("engine_free"):
        yield
        return
    engine = request.getfixturevalue("engine")
    before = set(_managed(engine))  # another run's objects on a shared engine are not this test's
    yield
    left = [name for name in _managed(engine) if name not in before]
    assert left == [], f"the grader left these behind: {left}"


def _managed(engine: object) -> list[str]:
    selector = {"label": [LABEL_MANAGED]}
    found = [c.name for c in engine.containers.list(all=True, filters=selector)]  # type: ignore[attr-defined]
    found += [n.name for n in engine.networks.list(filters=selector)]  # type: ignore[attr-defined]
    found += [v.name for v in engine.volumes.list(filters=selector)]  # type: ignore[attr-defined]
    return found + grader_images(engine)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def sample_run(engine: object, tmp_path_factory: pytest.TempPathFactory) -> SampleRun:
    """`grader check --all` on the bundled sample, the reference solutions, graded once for
    every test that reads it (the command's own tests, each exercise's full marks)."""
    return grade_the_sample(tmp_path_factory.mktemp("sample"))
