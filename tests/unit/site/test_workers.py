"""Rendering many advisories: chunks taken through their steps side by side."""

from __future__ import annotations

import pytest

from releasekit.site import workers
from releasekit.site.pages import Steps


def test_steps_are_taken_side_by_side_and_each_returns_its_own() -> None:
    seen: list[str] = []

    def work(name: str, steps: int) -> Steps[str]:
        for n in range(steps):
            seen.append(f"{name}{n}")
            yield
        seen.append(f"{name} done")
        return name.upper()

    assert workers.in_step([work("a", 2), work("b", 0), work("c", 1)]) == ["A", "B", "C"]
    # Each goes to its next step in turn: the first step of every one before any second.
    assert seen == ["a0", "b done", "c0", "a1", "c done", "a done"]


@pytest.mark.parametrize(
    ("count", "jobs", "size"),
    [(64, 8, 4), (70, 2, 18), (1225, 2, 25), (10_000, 2, 50), (100_000, 2, 500), (1, 1, 1)],
)
def test_chunks_give_every_worker_work_and_the_steps_enough(
    count: int, jobs: int, size: int
) -> None:
    assert workers.chunk_size(count, jobs) == size
    assert -(-count // size) >= min(count, 2 * jobs)  # two chunks a worker, when there are


def test_an_error_in_a_step_ends_the_chunk() -> None:
    def broken() -> Steps[str]:
        yield
        raise ValueError("marker")

    def fine() -> Steps[str]:
        yield
        return "fine"

    with pytest.raises(ValueError, match="marker"):
        workers.in_step([fine(), broken()])
