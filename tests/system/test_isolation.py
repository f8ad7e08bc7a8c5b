"""Agents never hear of each other's commands. agent1 and agent2 each hold four CometD sessions
(the official JS client and aiocometd-ng, each over long-polling and websocket; some of agent2's
subscribed by wildcard) and send interleaved commands whose `referenceId`s are the same for
both; several give messages that differ only in the agent's device. Every session of an agent
receives exactly that agent's messages, each once and in order, and nothing of the other's: a
notifier that broadcast, or routed by `referenceId` alone, would put the other agent's messages
in the sequence.

Absence is shown without waiting for it: once every session has its messages, each agent sends
one more command. Anything misrouted earlier was queued to a session before that last command
was even sent, so it would arrive before the last outcome, which must come next.
"""

import asyncio
import time

import httpx
import pytest

from tests.notifier.vectors import load
from tests.system.cometd import (
    AIOCOMETD_WARNING,
    EVERY_KIND,
    Message,
    Session,
    SessionKind,
    cometd_sessions,
)
from tests.system.conftest import System
from tests.system.expected import (
    assert_outcome,
    failure,
    preview_session,
    record_subject,
)
from tests.system.outbound_api import (
    Request,
    campaign_request,
    record_request,
    send,
    vector_request,
)

pytestmark = [pytest.mark.kafka, AIOCOMETD_WARNING]

VECTORS = {"agent1": "reject-record", "agent2": "cancel-record"}
"""Both vectors' requests carry referenceId 123456789."""
SESSIONS = {
    "agent1": EVERY_KIND,
    "agent2": (
        SessionKind("js", "websocket", ("/v2/**", "/me/*")),
        SessionKind("js", "long-polling"),
        SessionKind("python", "websocket", ("/**",)),
        SessionKind("python", "long-polling"),
    ),
}


def commands(user: str) -> list[tuple[Request, list[Message]]]:
    """The agent's commands, and the messages each must give; the referenceIds are the same
    for both agents."""
    start = campaign_request(user, "StartPreviewSession", "iso-1")
    not_found = record_request(user, "RejectRecord", 999, "iso-2", callingList="CallingList1")
    not_held = record_request(user, "RejectRecord", 9, "iso-3", callingList="CallingList1")
    end = campaign_request(user, "EndPreviewSession", "iso-4")
    return [
        (start, preview_session(start, "PreviewSessionStarted")),
        (vector_request(VECTORS[user]), load(VECTORS[user])["cometd"]),
        (not_found, failure(not_found, 101, record_subject(not_found))),
        # agent1 released record 9 with its vector; agent2 never held it.
        (not_held, failure(not_held, 102, record_subject(not_held))),
        (end, preview_session(end, "PreviewSessionEnded")),
    ]


def last_command(user: str) -> tuple[Request, list[Message]]:
    """GetPreviewRecord once the preview session has ended: error 106."""
    request = campaign_request(user, "GetPreviewRecord", "iso-last")
    return request, failure(request, 106, record_subject(request))


async def test_every_session_of_an_agent_hears_exactly_its_agents_outcomes(
    system: System,
) -> None:
    users = list(SESSIONS)
    async with (
        cometd_sessions(system.cometd_url, "agent1", SESSIONS["agent1"]) as sessions1,
        cometd_sessions(system.cometd_url, "agent2", SESSIONS["agent2"]) as sessions2,
        httpx.AsyncClient(base_url=system.gateway_url) as http,
    ):
        sessions = sessions1 + sessions2
        plans = {user: commands(user) for user in users}
        sent_at_ns = time.time_ns()
        for step in zip(*plans.values(), strict=True):
            await asyncio.gather(*(send(http, request) for request, _ in step))
        await _each_receives(sessions, {u: _joined(plans[u]) for u in users}, sent_at_ns)

        finals = {user: last_command(user) for user in users}
        sent_at_ns = time.time_ns()
        await asyncio.gather(*(send(http, request) for request, _ in finals.values()))
        await _each_receives(sessions, {u: finals[u][1] for u in users}, sent_at_ns)


async def _each_receives(
    sessions: list[Session], expected: dict[str, list[Message]], sent_at_ns: int
) -> None:
    received = await asyncio.gather(
        *(session.messages(len(expected[session.user])) for session in sessions)
    )
    for session, got in zip(sessions, received, strict=True):
        devices = {_device(message) for message in got}
        assert devices == {_device(m) for m in expected[session.user]}, str(session.kind)
        assert_outcome(got, expected[session.user], sent_at_ns=sent_at_ns)


def _joined(plan: list[tuple[Request, list[Message]]]) -> list[Message]:
    return [message for _, messages in plan for message in messages]


def _device(message: Message) -> str:
    """The path of the device a message is for."""
    data = message["data"]
    if "deviceId" in data:
        return f"/devices/{data['deviceId']}"
    path: str = (data.get("record") or data["campaign"])["devicePath"]
    return path
