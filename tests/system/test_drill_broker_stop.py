"""Drill: the system's only broker stops while accepted commands still wait in its log. The
gateway refuses (503/4) within its publish bound instead of hanging; the broker comes back on
the same data and ports; the gateway accepts again without a restart, and every command it
accepted, before or after the outage, is processed exactly once."""

import asyncio
import time
from functools import partial
from pathlib import Path

import httpx
import pytest

from devstack.broker import LocalBroker
from tests.conftest import fresh_topics
from tests.eventually import eventually
from tests.system.conftest import DEMO_CAMPAIGN, running_system
from tests.system.desktop import HELD_IN_DEMO, Desktop, Ledger, post
from tests.system.outbound_api import Request
from tests.system.processed import (
    check_processed_exactly_once,
    replay_of_the_log,
    until_processed,
)

pytestmark = [pytest.mark.kafka, pytest.mark.slow]

BOUND_S = 1.0
"""GATEWAY_PUBLISH_TIMEOUT_SECONDS for this drill."""
MARGIN_S = 1.0
ROUND = 10
"""Requests per desktop in each round."""


async def post_all(http: httpx.AsyncClient, requests: list[Request], ledger: Ledger) -> None:
    for request in requests:
        await post(http, request, ledger)


async def ready(http: httpx.AsyncClient, url: str) -> bool:
    try:
        return (await http.get(url)).status_code == 200
    except httpx.TransportError:
        return False


async def test_a_stopped_broker_is_refused_within_the_bound_and_no_accepted_command_is_lost(
    own_broker: LocalBroker, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GATEWAY_PUBLISH_TIMEOUT_SECONDS", str(BOUND_S))
    bootstrap = own_broker.bootstrap_servers
    desktops = [Desktop(agent, DEMO_CAMPAIGN) for agent in HELD_IN_DEMO]
    cycles = [desktop.cycle() for desktop in desktops]

    def next_round(size: int = ROUND) -> list[Request]:
        return [next(cycle) for _ in range(size) for cycle in cycles]

    ledger = Ledger()
    async with (
        fresh_topics(bootstrap) as topics,
        running_system(bootstrap, topics, tmp_path) as system,
        httpx.AsyncClient(base_url=system.gateway_url, timeout=30) as http,
    ):
        await post_all(http, [d.start() for d in desktops] + next_round(), ledger)
        await until_processed(bootstrap, topics, await replay_of_the_log(bootstrap, topics))
        system.worker.stop()
        await post_all(http, next_round(), ledger)  # they wait in the log

        own_broker.stop()
        during_outage = next(cycles[0])
        began = time.monotonic()
        await post(http, during_outage, ledger)
        refused_within = time.monotonic() - began
        began = time.monotonic()
        readiness = (await http.get("/readyz")).status_code
        readiness_within = time.monotonic() - began

        # The same data directory and ports. Started from the loop's executor: its threads
        # live as long as the session's loop, longer than the broker (the JVM's parent-death
        # signal follows the starting thread).
        await asyncio.to_thread(own_broker.start)
        await eventually(partial(ready, http, "/readyz"), within=60, every=0.2)
        await post_all(http, next_round(), ledger)
        await system.worker.start_async()
        stream = await replay_of_the_log(bootstrap, topics)
        await until_processed(bootstrap, topics, stream)
        system.worker.stop()
        await check_processed_exactly_once(bootstrap, topics, stream, ledger)
        notifier_ready = f"http://127.0.0.1:{system.notifier.env['NOTIFIER_PORT']}/readyz"
        await eventually(partial(ready, http, notifier_ready), within=30, every=0.2)

    assert list(ledger.refused) == [during_outage.reference_id]
    refusal = ledger.refused[during_outage.reference_id]
    assert (refusal.status_code, refusal.json()["statusCode"]) == (503, 4)
    assert refused_within < BOUND_S + MARGIN_S
    assert (readiness, readiness_within < BOUND_S + MARGIN_S) == (503, True)
