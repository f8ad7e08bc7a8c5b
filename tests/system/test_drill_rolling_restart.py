"""Drill: a rolling restart of two notifiers under a steady stream of commands, with the
desktops (the official CometD JS client with its AckExtension and the project's
ReplayExtension, clients/js/cometd-replay.js) spread over both. Each notifier in turn gets
SIGTERM and is started again, then each in turn SIGKILL. Every accepted command's outcome
reaches every desktop of its agent exactly once, in the agent's order (docs/drills.md)."""

import asyncio
import os
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import replace

import httpx
import pytest

from devstack.broker import free_port
from devstack.children import ChildProcess
from tests.eventually import eventually
from tests.gateway.conftest import basic
from tests.notifier.heard import both, heard
from tests.notifier.js import JsClient, js_client
from tests.ocs_worker.stream import committed_outcomes
from tests.system.conftest import DEMO_CAMPAIGN, NOTIFICATIONS_PATH, System
from tests.system.desktop import Desktop, Ledger, run_paced
from tests.system.outbound_api import send
from tests.system.processed import replay_of_the_log, until_processed

pytestmark = [pytest.mark.kafka, pytest.mark.slow]

COMMANDS = int(os.environ.get("DRILL_ROLLING_COMMANDS", "1000"))
RATE = float(os.environ.get("DRILL_ROLLING_RATE", "25"))
"""Commands per second, both agents together: 1,000 take 40 s."""
AGENTS = ("agent1", "agent2")
CHANNELS = ["/v2/me/outbound", "/me/internal"]
REHANDSHAKE_WITHIN_S = 60


def second_notifier(system: System) -> ChildProcess:
    port = str(free_port())
    return replace(
        system.notifier,
        env={**system.notifier.env, "NOTIFIER_PORT": port},
        log_file=system.logs / "notifier-2.log",
        ready_url=f"http://127.0.0.1:{port}/readyz",
        process=None,
    )


def cometd_url(notifier: ChildProcess) -> str:
    return f"http://127.0.0.1:{notifier.env['NOTIFIER_PORT']}{NOTIFICATIONS_PATH}"


@asynccontextmanager
async def desktops(notifiers: list[ChildProcess]) -> AsyncIterator[dict[str, list[JsClient]]]:
    """Each agent on each notifier, one over long-polling and one over websocket."""
    async with AsyncExitStack() as stack:
        by_agent: dict[str, list[JsClient]] = {agent: [] for agent in AGENTS}
        for n, notifier in enumerate(notifiers):
            for a, agent in enumerate(AGENTS):
                client = await stack.enter_async_context(
                    js_client(
                        cometd_url(notifier),
                        transport=("long-polling", "websocket")[(n + a) % 2],
                        subscriptions=CHANNELS,
                        authorization=basic(agent)["Authorization"],
                        ack=True,
                        replay=True,
                        expect=1_000_000,
                        timeout_ms=600_000,
                    )
                )
                by_agent[agent].append(client)
        for clients in by_agent.values():
            for client in clients:
                await client.next("ready")
        yield by_agent


def handshakes(client: JsClient) -> int:
    return sum(
        1
        for record in client.seen
        if record["event"] == "handshake" and record["message"]["successful"]
    )


async def restart_in_turn(notifiers: list[ChildProcess], ledger: Ledger) -> None:
    """SIGTERM each notifier in turn, then SIGKILL each, spread over the stream: the next
    outage once the stream has moved on by a fifth of its commands."""
    outages = [(ChildProcess.stop, n) for n in notifiers] + [
        (ChildProcess.kill, n) for n in notifiers
    ]
    for turn, (outage, notifier) in enumerate(outages, start=1):

        async def moved_on(accepted: int = turn * COMMANDS // (len(outages) + 1)) -> bool:
            return len(ledger.accepted) >= accepted

        await eventually(moved_on, within=120, every=0.05)
        outage(notifier)
        await notifier.start_async()


async def test_every_outcome_reaches_every_desktop_of_its_agent_once_through_a_rolling_restart(
    system: System,
) -> None:
    notifiers = [system.notifier, second_notifier(system)]
    await notifiers[1].start_async()
    ledger = Ledger()
    try:
        async with (
            desktops(notifiers) as by_agent,
            httpx.AsyncClient(base_url=system.gateway_url, timeout=30) as http,
        ):
            per_agent = COMMANDS // len(AGENTS)
            posters = {agent: Desktop(agent, DEMO_CAMPAIGN) for agent in AGENTS}
            await asyncio.gather(
                restart_in_turn(notifiers, ledger),
                *(
                    run_paced(
                        http,
                        posters[agent],
                        ledger,
                        period_s=len(AGENTS) / RATE,
                        keep_going=lambda posted: posted < per_agent,
                    )
                    for agent in AGENTS
                ),
            )
            assert len(ledger.accepted) == COMMANDS, ledger.refused
            stream = await replay_of_the_log(system.bootstrap, system.topics)
            await until_processed(system.bootstrap, system.topics, stream)
            outcomes = await committed_outcomes(system.bootstrap, system.topics)
            for agent, clients in by_agent.items():
                in_order = [o.reference_id or "?" for o in outcomes if o.user_name == agent]
                assert set(in_order) == {r for r in ledger.accepted if agent in r}
                for client in clients:
                    async with asyncio.timeout(REHANDSHAKE_WITHIN_S):
                        received = await client.messages(2 * len(in_order))
                    assert heard(received) == both(*in_order), agent
            for clients in by_agent.values():
                for client in clients:  # its own notifier's SIGTERM and SIGKILL, and the first
                    assert handshakes(client) >= 3
            # Nothing was left over either: a late duplicate would come before this outcome.
            for agent, clients in by_agent.items():
                last = next(posters[agent].cycle())
                await send(http, last)
                for client in clients:
                    assert heard(await client.messages(2, within=30)) == both(last.reference_id)
    finally:
        notifiers[1].stop()
