"""docs/asyncapi.json: equal to what the code generates, valid by the AsyncAPI project's own
parser (tests/asyncapi), every payload a valid JSON Schema 2020-12, served by the gateway."""

import json
import shutil
import subprocess
from typing import Any

import httpx
import pytest
from jsonschema import Draft202012Validator

from gateway.app import create_app
from gateway.kafka import InMemoryPublisher
from outbound_contracts.asyncapi import DOCUMENT, asyncapi_document, render
from outbound_contracts.schemas import MESSAGES
from outbound_contracts.topics import TOPIC_CONFIGS
from tests.gateway.conftest import settings
from tests.kafka import REPO

PARSER_DIR = REPO / "tests" / "asyncapi"


def test_the_committed_document_is_what_the_code_generates() -> None:
    assert DOCUMENT.read_text() == render(), (
        "docs/asyncapi.json differs from the contract models: run "
        "`python -m outbound_contracts.asyncapi` and review the diff (docs/contract.md)"
    )


@pytest.mark.tools
def test_the_asyncapi_parser_finds_no_error() -> None:
    node = shutil.which("node")
    assert node is not None, "Node.js is needed for the AsyncAPI parser"
    assert (PARSER_DIR / "node_modules" / "@asyncapi" / "parser").is_dir(), (
        "run `make test` (it installs tests/asyncapi with npm ci)"
    )
    parsed = subprocess.run(
        [node, "validate.mjs", str(DOCUMENT)],
        cwd=PARSER_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert parsed.returncode == 0, parsed.stdout + parsed.stderr
    assert "valid: 5 channels, 23 messages" in parsed.stdout


def payloads() -> dict[str, dict[str, Any]]:
    messages = asyncapi_document()["components"]["messages"]
    return {name: m["payload"] for name, m in messages.items() if "schemaFormat" in m["payload"]}


def test_every_payload_is_a_json_schema_2020_12_naming_its_discriminator() -> None:
    schemas = payloads()
    assert len(schemas) == sum(len(models) for models in MESSAGES.values())
    for name, payload in schemas.items():
        assert payload["schemaFormat"] == "application/schema+json;version=draft-2020-12"
        Draft202012Validator.check_schema(payload["schema"])
        assert payload["schema"]["properties"]["type"]["const"] == name
        assert "$ref" not in json.dumps(payload["schema"]), name


def test_the_channels_carry_the_topics_keys_and_configuration() -> None:
    channels = asyncapi_document()["channels"]
    bindings = {c["address"]: c["bindings"]["kafka"] for c in channels.values()}
    assert set(bindings) == set(TOPIC_CONFIGS)
    assert bindings["ocs.commands"]["topicConfiguration"]["x-message.timestamp.type"] == (
        "LogAppendTime"
    )
    assert bindings["ocs.records-changelog"]["topicConfiguration"]["cleanup.policy"] == ["compact"]
    assert bindings["ocs.events"]["topicConfiguration"]["cleanup.policy"] == ["delete"]
    assert bindings["ocs.dead-letter"]["partitions"] == 1


async def test_the_gateway_serves_the_document() -> None:
    app = create_app(settings(), InMemoryPublisher())
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        served = await client.get("/asyncapi.json")
    assert served.status_code == 200
    assert served.json() == json.loads(DOCUMENT.read_text())
