"""The desktop's CometD client and replay extension (`make vendor-cometd`) are their sources:
the npm package as locked, and clients/js, unchanged."""

import json

import pytest

from gateway.desktop import PAGE_FILES
from tests.kafka import REPO

VENDORED = PAGE_FILES / "vendor" / "cometd"
LOCK = REPO / "tests" / "js" / "package-lock.json"
INSTALLED = REPO / "tests" / "js" / "node_modules" / "cometd"


@pytest.mark.tools
def test_the_vendored_client_is_the_locked_npm_package_byte_for_byte() -> None:
    locked = json.loads(LOCK.read_text())["packages"]["node_modules/cometd"]["version"]
    assert json.loads((VENDORED / "package.json").read_text())["version"] == locked
    installed = {path.name for path in INSTALLED.glob("*.js")}
    assert installed, "run `make test` (npm ci in tests/js) first"
    assert {path.name for path in VENDORED.glob("*.js")} == installed
    for name in [*installed, "LICENSE", "package.json"]:
        assert (VENDORED / name).read_bytes() == (INSTALLED / name).read_bytes(), name


def test_the_desktops_replay_extension_is_the_projects_own_unchanged() -> None:
    source = REPO / "clients" / "js" / "cometd-replay.js"
    assert (PAGE_FILES / "vendor" / "gws" / "cometd-replay.js").read_bytes() == source.read_bytes()
