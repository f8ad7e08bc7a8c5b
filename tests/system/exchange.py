"""The spec's documented exchanges replayed through a running system, wherever it runs (child
processes here, containers in tests/containers): the vector's request, as-is, to the gateway
as the vector's agent gives the vector's HTTP reply; then every CometD session of that agent
receives the vector's two messages, field by field and type by type. The JS client's connect
replies are the vector's too (but for their `id`)."""

import asyncio
import time

import httpx

from tests.gateway.conftest import basic
from tests.notifier.vectors import VECTOR_USERS, assert_connect_reply_matches, load
from tests.system.cometd import JsSession, Session, cometd_sessions
from tests.system.expected import assert_outcome


async def assert_vector_exchange(gateway_url: str, cometd_url: str, name: str) -> list[Session]:
    """Returns the sessions, closed by then; what their clients saw stays readable."""
    vector, user = load(name), VECTOR_USERS[name]
    request = vector["request"]
    async with (
        cometd_sessions(cometd_url, user) as sessions,
        httpx.AsyncClient(base_url=gateway_url) as http,
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
    return sessions
