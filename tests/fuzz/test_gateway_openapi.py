"""The gateway fuzzed from its own `/openapi.json` with schemathesis: every operation, with
schema-valid and schema-violating requests, against the real broker; and again without valid
credentials, where nothing may get past the credentials and feature checks.

Hypothesis drives blocking HTTP in a worker thread while the in-process gateway serves on the
test's event loop. (That suits the gateway: it touches the global `random`, which hypothesis
watches while it draws, only inside a request, in aiokafka's metadata refresh. The notifier's
consumer does so all the time; see test_notifier_fuzz.py.)

Half of the schema-valid bodies name agent1's device and a numeric record handle, so that they
pass every check and are published; the rest meet the device and handle checks. Whatever is
sent, the reply is one `assert_gws_reply` allows."""

import asyncio
from collections import Counter
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import given
from hypothesis import strategies as st
from schemathesis import Case, GenerationMode
from schemathesis.core.result import Ok
from schemathesis.schemas import APIOperation, BaseSchema
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from gateway.kafka import InMemoryPublisher
from outbound_contracts.topics import TopicNames
from tests.fuzz.examples import fuzz_settings
from tests.fuzz.gws_replies import assert_gws_reply
from tests.gateway.conftest import (
    AGENT1_DEVICE,
    basic,
    kafka_settings,
    read_commands,
    running_gateway,
    settings,
    vector,
)

REJECT = vector("reject-record")["request"]
EXAMPLES_PER_OPERATION = 40
EXAMPLES_PER_OPERATION_WITHOUT_ACCESS = 10
OPEN_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})
SIGN_OUT = ("POST", "/api/v2/me")
"""Sign-out: any authenticated user, no feature needed; it publishes no command."""
CALLERS_WITHOUT_ACCESS = {
    "no credentials": {},
    "wrong password": basic("agent1", "wrong"),
    "unknown user": basic("nobody"),
    "not Basic": {"Authorization": "Bearer agent1"},
    "forged cookie": {"Cookie": "GWS_SESSION=eyJ1IjogImFnZW50MSJ9.forged"},
    "no outbound feature": basic("agent3"),
}
# every reply is one the document declares, in the declared type, headers and schema
CONFORMANCE = [
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
# (operation label, HTTP status) -> how many replies
Outcomes = Counter[tuple[str, int]]
Operation = APIOperation[Any, Any, Any, Any]


async def served_schema(http: httpx.AsyncClient) -> BaseSchema:
    """The gateway's own document; the tests send credentials themselves, so schemathesis
    generates none from its security schemes."""
    schema = schemathesis.openapi.from_dict((await http.get("/openapi.json")).json())
    schema.config.generation.update(with_security_parameters=False)
    return schema


def operations_of(schema: BaseSchema) -> list[Operation]:
    found = []
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result
        found.append(result.ok())
    return found


def modes_of(operation: Operation) -> list[GenerationMode]:
    """Schema-violating requests only where there is something to violate."""
    if len(operation.body) or len(operation.path_parameters):
        return [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]
    return [GenerationMode.POSITIVE]


def aim_at_acceptance(case: Case[Any], own_device: bool, handle: int) -> None:
    if not own_device:
        return
    if isinstance(case.body, dict) and "devicePath" in case.body:
        case.body["devicePath"] = AGENT1_DEVICE
    if case.path_parameters and "recordHandle" in case.path_parameters:
        case.path_parameters["recordHandle"] = str(handle)


def fuzz(operation: Operation, mode: GenerationMode, base_url: str, seen: Outcomes) -> None:
    @fuzz_settings(EXAMPLES_PER_OPERATION)
    @given(
        case=operation.as_strategy(generation_mode=mode),
        own_device=st.booleans(),
        handle=st.integers(min_value=0, max_value=2**31),
    )
    def requests_get_gws_replies(case: Case[Any], own_device: bool, handle: int) -> None:
        if mode is GenerationMode.POSITIVE:
            aim_at_acceptance(case, own_device, handle)
        response = case.call(base_url=base_url, headers=basic("agent1"), timeout=10)
        headers = {name: values[0] for name, values in response.headers.items()}
        method = operation.method.upper()
        assert_gws_reply(method, operation.path, response.status_code, headers, response.content)
        case.validate_response(response, checks=CONFORMANCE)
        if mode is GenerationMode.NEGATIVE:
            assert response.status_code != 200, (case.body, case.path_parameters)
        seen[(operation.label, response.status_code)] += 1

    requests_get_gws_replies()


@pytest.mark.kafka
async def test_every_operation_answers_schemathesis_requests_in_the_gws_format(
    kafka_bootstrap: str, topics: TopicNames
) -> None:
    seen: Outcomes = Counter()
    async with (
        running_gateway(kafka_settings(kafka_bootstrap, topics)) as base_url,
        httpx.AsyncClient(base_url=base_url, timeout=10) as http,
    ):
        schema = await served_schema(http)
        operations = operations_of(schema)
        for operation in operations:
            for mode in modes_of(operation):
                await asyncio.to_thread(fuzz, operation, mode, base_url, seen)

        assert (await http.get("/healthz")).status_code == 200
        assert (await http.get("/readyz")).status_code == 200
        reject = await http.post(REJECT["path"], json=REJECT["body"], headers=basic("agent1"))
        assert reject.json() == {"statusCode": 0}

    posts = [operation.label for operation in operations if operation.method.upper() == "POST"]
    assert len(posts) == 4, posts
    for label in posts:
        assert seen[(label, 200)] > 0, seen  # the fuzzing reached the broker on every URL
    commands = [label for label in posts if label != " ".join(SIGN_OUT)]
    accepted = sum(seen[(label, 200)] for label in commands) + 1  # and the last reject
    published = await read_commands(kafka_bootstrap, topics.commands, expected=accepted)
    assert len(published) == accepted


def expected_status(operation: Operation, caller: str, mode: GenerationMode) -> int:
    if operation.path in OPEN_PATHS:
        return 200
    if caller == "no outbound feature":
        if (operation.method.upper(), operation.path) == SIGN_OUT:
            return 200 if mode is GenerationMode.POSITIVE else 400
        return 403 if operation.method.upper() == "POST" else 200
    return 401


def fuzz_without_access(operation: Operation, mode: GenerationMode, base_url: str) -> None:
    @fuzz_settings(EXAMPLES_PER_OPERATION_WITHOUT_ACCESS)
    @given(
        case=operation.as_strategy(generation_mode=mode),
        caller=st.sampled_from(sorted(CALLERS_WITHOUT_ACCESS)),
    )
    def requests_are_refused(case: Case[Any], caller: str) -> None:
        credentials = CALLERS_WITHOUT_ACCESS[caller]
        response = case.call(base_url=base_url, headers=credentials, timeout=10)
        headers = {name: values[0] for name, values in response.headers.items()}
        method = operation.method.upper()
        assert_gws_reply(method, operation.path, response.status_code, headers, response.content)
        case.validate_response(response, checks=CONFORMANCE)
        assert response.status_code == expected_status(operation, caller, mode), caller

    requests_are_refused()


@pytest.mark.slow
async def test_without_access_every_operation_is_refused_401_20_or_403_5() -> None:
    """(But sign-out, which an agent without the outbound feature may do.)"""
    published = InMemoryPublisher()
    async with (
        running_gateway(settings(), publisher=published) as base_url,
        httpx.AsyncClient(base_url=base_url, timeout=10) as http,
    ):
        schema = await served_schema(http)
        for operation in operations_of(schema):
            for mode in modes_of(operation):
                await asyncio.to_thread(fuzz_without_access, operation, mode, base_url)
    assert published.published == []
