from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.containers.stack import SCALED, SINGLE, Stack


def _running(files: tuple[Path, ...], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    stack = Stack(files, tmp_path_factory.mktemp("stack"))
    try:
        stack.up()
        yield stack
    finally:
        stack.down()


@pytest.fixture(scope="module")
def single_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """docker-compose.yml up (demo data loaded) for the module, then down with its volume."""
    yield from _running(SINGLE, tmp_path_factory)


@pytest.fixture(scope="module")
def scaled_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """docker-compose.yml with docker-compose.scaled.yml: 2 of each service behind HAProxy."""
    yield from _running(SCALED, tmp_path_factory)
