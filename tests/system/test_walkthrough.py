"""The README's walk-through, automated: a CometD client subscribes, the documented
RejectRecord is posted to the gateway, and both CometD messages arrive."""

import httpx
import pytest

from tests.gateway.conftest import basic, vector
from tests.notifier.js import js_client
from tests.system.conftest import System

pytestmark = pytest.mark.kafka


async def test_reject_record_posted_to_the_gateway_reaches_the_agents_cometd_client(
    system: System,
) -> None:
    reject = vector("reject-record")
    async with js_client(
        system.cometd_url,
        transport="long-polling",
        subscriptions=["/v2/me/outbound", "/me/internal"],
        authorization=basic("agent1")["Authorization"],
    ) as client:
        await client.next("ready")
        async with httpx.AsyncClient(base_url=system.gateway_url) as http:
            reply = await http.post(
                reject["request"]["path"], json=reject["request"]["body"], headers=basic("agent1")
            )
        assert (reply.status_code, reply.json()) == (200, {"statusCode": 0})
        messages = await client.messages(2)
    by_channel = {message["channel"]: message["data"] for message in messages}
    assert by_channel["/v2/me/outbound"] == reject["cometd"][0]["data"]
    user_data = by_channel["/me/internal"]["userData"]
    assert user_data == reject["cometd"][1]["data"]["userData"]
