"""The serving process's collector settings: the start-up heap frozen, young passes rarer."""

import gc
from collections.abc import Iterator

import pytest

from gateway import heap


@pytest.fixture
def restored_collector() -> Iterator[None]:
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


@pytest.mark.usefixtures("restored_collector")
def test_settle_freezes_what_exists_and_raises_only_the_young_threshold() -> None:
    _, middle, old = gc.get_threshold()
    long_lived = [[n] for n in range(1000)]
    heap.settle()
    assert gc.get_freeze_count() >= len(long_lived)
    assert gc.get_threshold() == (heap.YOUNG_THRESHOLD, middle, old)
    collected = {id(thing) for generation in range(3) for thing in gc.get_objects(generation)}
    assert not any(id(thing) in collected for thing in long_lived)  # beyond every pass
