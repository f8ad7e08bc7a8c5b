"""The spec's two documented exchanges replayed verbatim through the whole system (the
README's walk-through, for both vectors): the vector's request, as-is, to the gateway as the
vector's agent gives the vector's HTTP reply; then every CometD session of that agent (the
official JS client and aiocometd-ng, each over long-polling and websocket) receives the vector's
two messages, field by field and type by type. Only the metrics may differ from the vector, and
they must be real measurements of this exchange. The JS client's connect replies are the
vector's too (but for their `id`)."""

import asyncio
import time

import httpx
import pytest

from tests.gateway.conftest import basic
from tests.notifier.vectors import VECTOR_USERS, assert_connect_reply_matches, load
from tests.system.cometd import AIOCOMETD_WARNING, JsSession, cometd_sessions
from tests.system.conftest import System
from tests.system.expected import assert_outcome

pytestmark = [pytest.mark.kafka, AIOCOMETD_WARNING]


@pytest.mark.parametrize("name", ["reject-record", "cancel-record"])
async def test_vector_sent_to_the_gateway_reaches_every_session_of_its_agent_as_documented(
    module_system: System, name: str
) -> None:
    vector, user = load(name), VECTOR_USERS[name]
    request = vector["request"]
    async with (
        cometd_sessions(module_system.cometd_url, user) as sessions,
        httpx.AsyncClient(base_url=module_system.gateway_url) as http,
    ):
        sent_at_ns = time.time_ns()
        reply = await http.request(
            request["method"], request["path"], json=request["body"], headers=basic(user)
        )
        assert reply.status_code == vector["response"]["status"]
        assert reply.json() == vector["response"]["body"]

        received = await asyncio.gather(*(session.messages(2) for session in sessions))
        for got in received:
            assert_outcome(got, vector["cometd"], sent_at_ns=sent_at_ns)
        for session in sessions:
            if isinstance(session, JsSession):
                connect = (await session.client.next("connect"))["message"]
                assert_connect_reply_matches(connect, name)
