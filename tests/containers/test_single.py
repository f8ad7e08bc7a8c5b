"""docker-compose.yml as `make compose-up` runs it: the README's exchanges end to end over both
CometD transports, and a recreated kafka container that keeps every topic and record."""

from functools import partial

import httpx
import pytest
from aiokafka.admin import AIOKafkaAdminClient

from outbound_contracts.events import CommandFailed
from outbound_contracts.topics import TopicNames
from tests.containers.stack import Stack
from tests.eventually import eventually
from tests.gateway.conftest import basic
from tests.ocs_worker.stream import committed_outcomes
from tests.system.cometd import AIOCOMETD_WARNING
from tests.system.desktop import CALLING_LIST, HELD_IN_DEMO
from tests.system.exchange import assert_vector_exchange
from tests.system.outbound_api import record_request

pytestmark = [pytest.mark.kafka, AIOCOMETD_WARNING]
TOPICS = TopicNames.with_prefix("")


@pytest.mark.parametrize("name", ["reject-record", "cancel-record"])
async def test_vector_reaches_every_session_of_its_agent_through_the_composed_stack(
    single_stack: Stack, name: str
) -> None:
    await assert_vector_exchange(single_stack.gateway_url, single_stack.cometd_url, name)


async def topic_names(bootstrap: str) -> set[str]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        return {name for name in await admin.list_topics() if not name.startswith("__")}
    finally:
        await admin.close()


async def accepted(http: httpx.AsyncClient, reference: str) -> bool:
    """Posts agent2's RejectRecord of its held record; whether the gateway accepted it."""
    request = record_request(
        "agent2", "RejectRecord", HELD_IN_DEMO["agent2"], reference, callingList=CALLING_LIST
    )
    try:
        reply = await http.post(request.path, json=request.body, headers=basic("agent2"))
    except httpx.TransportError:
        return False
    return reply.status_code == 200


async def outcome_of(bootstrap: str, reference: str) -> int | None:
    """The error code of `reference`'s outcome (0: applied), None while there is none."""
    for outcome in await committed_outcomes(bootstrap, TOPICS):
        if outcome.reference_id == reference:
            return outcome.error_code if isinstance(outcome, CommandFailed) else 0
    return None


async def has_outcome(bootstrap: str, reference: str) -> bool:
    return await outcome_of(bootstrap, reference) is not None


async def answer_to(http: httpx.AsyncClient, bootstrap: str, reference: str) -> int:
    """Posts the RejectRecord as `reference` (until the gateway accepts it) and returns its
    outcome's error code."""
    await eventually(partial(accepted, http, reference), within=90, every=1)
    await eventually(partial(has_outcome, bootstrap, reference), within=90)
    code = await outcome_of(bootstrap, reference)
    assert code is not None
    return code


async def test_a_recreated_kafka_container_loses_no_topic_or_record_state(
    single_stack: Stack,
) -> None:
    bootstrap = single_stack.bootstrap
    async with httpx.AsyncClient(base_url=single_stack.gateway_url, timeout=10) as http:
        await answer_to(http, bootstrap, "first")
        # Asked again, the record's state answers the same every time from now on.
        settled = await answer_to(http, bootstrap, "settled")
        assert settled != 101, "the record is unknown: the demo data is missing"
        topics_before = await topic_names(bootstrap)
        outcomes_before = await committed_outcomes(bootstrap, TOPICS)
        [old] = single_stack.containers("kafka")

        single_stack.up("--force-recreate", "--no-deps", "kafka")

        assert single_stack.containers("kafka") != [old]
        assert await topic_names(bootstrap) == topics_before
        outcomes_after = await committed_outcomes(bootstrap, TOPICS)
        assert outcomes_after[: len(outcomes_before)] == outcomes_before
        assert await answer_to(http, bootstrap, "after-recreate") == settled
