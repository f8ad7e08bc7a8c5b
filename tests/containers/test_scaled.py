"""docker-compose.scaled.yml: three Kafka nodes (every topic on three replicas, two in sync for
a write), two gateways, two workers and two notifiers behind HAProxy. The
balancer pins a CometD session to its notifier by cookie; the README's exchanges work through
it over both transports; SIGKILLs of one gateway, one worker and one notifier container under
load lose no accepted command (counted as the drills of docs/drills.md count). The drill
comes first: it counts every command in the log as one of its own."""

import asyncio
import math
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import httpx
import pytest
from aiokafka.admin import AIOKafkaAdminClient

from devstack.broker import free_port
from devstack.topics import topic_configs
from outbound_contracts.commands import AgentCommand
from outbound_contracts.topics import TopicNames
from tests.containers.stack import Stack
from tests.gateway.conftest import basic
from tests.ocs_worker.stream import late_commands
from tests.system.cometd import AIOCOMETD_WARNING, JsSession
from tests.system.desktop import HELD_IN_DEMO, Desktop, Ledger, run_paced
from tests.system.exchange import assert_vector_exchange
from tests.system.outbound_api import Request
from tests.system.processed import (
    check_processed_exactly_once,
    replay_of_the_log,
    until_processed,
)

# The first test's budget holds the stack's start too (pytest-timeout counts fixtures): three
# Kafka JVMs and six services took about 3 of the default 5 minutes on this loaded machine.
pytestmark = [pytest.mark.kafka, pytest.mark.slow, AIOCOMETD_WARNING, pytest.mark.timeout(600)]
TOPICS = TopicNames.with_prefix("")
CAMPAIGNS = ("Campaign2", "Campaign3", "Campaign6")
"""The demo calling list again, one campaign on each of the 3 partitions; Campaign1 (the demo
data) stays as it is for the README's exchanges."""
RATE = 40
"""Commands per second, all desktops together."""


@dataclass
class BalancedLedger(Ledger):
    """A Ledger that also keeps the requests whose reply was lost with the gateway that had
    them (the balancer's 502, or a reset connection): each may or may not be in the log."""

    lost: dict[str, str] = field(default_factory=dict)
    """referenceId -> operationName."""

    async def post(self, http: httpx.AsyncClient, request: Request, _: Ledger) -> None:
        try:
            reply = await http.post(request.path, json=request.body, headers=basic(request.user))
        except httpx.TransportError:
            self.lost[request.reference_id] = request.body["operationName"]
            return
        if reply.headers.get("content-type", "").startswith("application/json"):
            self.record(request, reply)
        else:
            self.lost[request.reference_id] = request.body["operationName"]

    def settle(self, logged: set[str | None], late: set[str | None]) -> None:
        """A lost reply whose command is in the log in time was accepted; the others never
        reached the broker (or are dead-lettered) and have no outcome, like a refused one."""
        for reference, operation in self.lost.items():
            if reference in logged and reference not in late:
                self.accepted[reference] = operation


async def import_campaigns(stack: Stack) -> None:
    for campaign in CAMPAIGNS:
        await asyncio.to_thread(
            stack.compose,
            "run", "--rm", "--no-deps", "demo-data",
            "python", "-m", "ocs_worker", "import", "--application-id", "134",
            "--campaign", campaign, "demo/calling-list.csv",
        )  # fmt: skip


async def sigkill_one(stack: Stack, service: str, then: Callable[[], Awaitable[None]]) -> None:
    stack.sigkill(stack.containers(service)[0])
    await then()


async def test_sigkills_of_a_gateway_a_worker_and_a_notifier_lose_no_accepted_command(
    scaled_stack: Stack,
) -> None:
    await import_campaigns(scaled_stack)
    desktops = [Desktop(agent, campaign) for campaign in CAMPAIGNS for agent in HELD_IN_DEMO]
    ledger = BalancedLedger()
    kills_done = asyncio.Event()
    share = math.ceil(RATE * 10 / len(desktops))

    def keep_going(posted: int) -> bool:
        return posted < share or not kills_done.is_set()

    async def a_while() -> None:
        await asyncio.sleep(3)  # load keeps flowing between the kills

    async with httpx.AsyncClient(base_url=scaled_stack.gateway_url, timeout=30) as http:
        senders = [
            asyncio.create_task(
                run_paced(
                    http,
                    desktop,
                    ledger,
                    period_s=len(desktops) / RATE,
                    keep_going=keep_going,
                    poster=ledger.post,
                )
            )
            for desktop in desktops
        ]
        try:
            await a_while()
            for service in ("gateway", "ocs_worker", "notifier"):
                await sigkill_one(scaled_stack, service, a_while)
            kills_done.set()
            await asyncio.gather(*senders)
        finally:
            for sender in senders:
                sender.cancel()
    stream = await replay_of_the_log(scaled_stack.bootstrap, TOPICS)
    await until_processed(scaled_stack.bootstrap, TOPICS, stream)
    await asyncio.to_thread(scaled_stack.compose, "stop", "ocs_worker")
    try:
        logged = {c.reference_id for c in stream.commands if isinstance(c, AgentCommand)}
        late = await late_commands(scaled_stack.bootstrap, TOPICS)
        ledger.settle(logged, {c.reference_id for c in late if isinstance(c, AgentCommand)})
        assert len(ledger.accepted) > RATE * 10 * 0.9, "the load did not get through"
        await check_processed_exactly_once(scaled_stack.bootstrap, TOPICS, stream, ledger)
    finally:
        await asyncio.to_thread(scaled_stack.up)


async def test_three_kafka_nodes_keep_every_topic_on_three_replicas_two_in_sync(
    scaled_stack: Stack,
) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=scaled_stack.bootstrap)
    await admin.start()
    try:
        assert len((await admin.describe_cluster())["brokers"]) == 3
        internal = ("__consumer_offsets", "__transaction_state")
        described = await admin.describe_topics([*TOPICS.all(), *internal])
        configs = await topic_configs(admin, [*TOPICS.all(), *internal])
    finally:
        await admin.close()
    replicas = {
        topic["topic"]: {len(partition["replicas"]) for partition in topic["partitions"]}
        for topic in described
    }
    assert replicas == {name: {3} for name in [*TOPICS.all(), *internal]}
    min_insync = {name: config["min.insync.replicas"] for name, config in configs.items()}
    assert min_insync == dict.fromkeys([*TOPICS.all(), *internal], "2")


def bayeux(**message: Any) -> list[dict[str, Any]]:
    return [{"id": "1", **message}]


async def handshake(http: httpx.AsyncClient, cometd_path: str) -> str:
    reply = await http.post(
        f"{cometd_path}/handshake",
        json=bayeux(
            channel="/meta/handshake", version="1.0", supportedConnectionTypes=["long-polling"]
        ),
        headers=basic("agent1"),
    )
    [answer] = reply.json()
    assert answer["successful"], answer
    client_id: str = answer["clientId"]
    return client_id


async def subscribe_succeeds(http: httpx.AsyncClient, cometd_path: str, client_id: str) -> bool:
    reply = await http.post(
        cometd_path,
        json=bayeux(channel="/meta/subscribe", clientId=client_id, subscription="/v2/me/outbound"),
    )
    [answer] = reply.json()
    successful: bool = answer["successful"]
    return successful


async def test_the_balancer_pins_a_session_to_its_notifier_by_its_cookie(
    scaled_stack: Stack,
) -> None:
    base, path = scaled_stack.cometd_url.split("/api/", 1)
    path = f"/api/{path}"
    async with httpx.AsyncClient(base_url=base) as pinned:
        client_id = await handshake(pinned, path)
        assert "GWS_NOTIFIER" in pinned.cookies
        with_cookie = [await subscribe_succeeds(pinned, path, client_id) for _ in range(10)]
    without_cookie = []
    for _ in range(10):
        async with httpx.AsyncClient(base_url=base) as stranger:
            without_cookie.append(await subscribe_succeeds(stranger, path, client_id))
    assert with_cookie == [True] * 10
    # Round-robin without the cookie: the other notifier does not know the clientId.
    assert 0 < without_cookie.count(True) < 10, without_cookie


@pytest.mark.parametrize("name", ["reject-record", "cancel-record"])
async def test_vector_reaches_every_session_of_its_agent_through_the_balancer(
    scaled_stack: Stack, name: str
) -> None:
    sessions = await assert_vector_exchange(scaled_stack.gateway_url, scaled_stack.cometd_url, name)
    for session in sessions:
        if isinstance(session, JsSession):
            handshakes = [seen for seen in session.client.seen if seen["event"] == "handshake"]
            assert len(handshakes) == 1, f"{session.kind} was handed to another notifier"


def summary_row(output: str, row: str) -> tuple[int, int]:
    """(requests, failures) of a row of Locust's summary table."""
    found = re.search(rf"{row}\s+(\d+)\s+(\d+)\(", output)
    assert found is not None, f"no {row!r} row in Locust's summary:\n{output}"
    return int(found[1]), int(found[2])


async def test_a_short_locust_run_through_the_balancer_has_no_errors(scaled_stack: Stack) -> None:
    run = partial(
        scaled_stack.compose,
        "--profile", "loadtest", "up", "--no-deps", "--scale", "locust-worker=2",
        "--exit-code-from", "locust", "locust", "locust-worker",
        LOCUST_USERS="8", LOCUST_RUN_TIME="20s", LOCUST_EXPECT_WORKERS="2",
        LOADTEST_COMMANDS_PER_SECOND="2", LOCUST_PUBLISHED_PORT=str(free_port()),
    )  # fmt: skip
    await asyncio.to_thread(run)
    output = scaled_stack.compose("--profile", "loadtest", "logs", "--no-color", "locust")
    _, http_errors = summary_row(output, "Aggregated")
    delivered, undelivered = summary_row(output, "COMETD +outcome")
    assert (http_errors, undelivered) == (0, 0)
    assert delivered > 8 * 2 * 20 * 0.5, output
