"""Agent desktops that post a command stream to the gateway over HTTP and keep a ledger of
which commands it accepted, for drills that then check each was processed exactly once.

A desktop works on the record its agent holds in the demo calling list, in a cycle that stays
valid without reading outcomes: update it, then complete it and cancel it, both with a wrong
phone number (error 108: it stays held). Every command gives exactly one outcome, matched by
its `referenceId`. (A reschedule no longer
fits the cycle: a callback time must not be in the past, and one due at once is pushed to the
agent as soon as it is due, racing any request that would fetch it back; callbacks have drills
of their own, tests/ocs_worker/test_callbacks_on_kafka.py.)
"""

import asyncio
import itertools
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.gateway.conftest import basic
from tests.system.outbound_api import Request, campaign_request, record_request

HELD_IN_DEMO = {"agent1": 9, "agent2": 11}
"""The record each agent holds (Retrieved) in demo/calling-list.csv."""
CALLING_LIST = "CallingList1"
CYCLE = ("UpdateRecord", "CompleteRecord", "CancelRecord")
EXPECTED_ERRORS = {"CompleteRecord": 108, "CancelRecord": 108}


@dataclass
class Ledger:
    """The gateway's answers by referenceId: accepted (`{"statusCode": 0}`) or refused."""

    accepted: dict[str, str] = field(default_factory=dict)
    """referenceId -> operationName."""
    refused: dict[str, httpx.Response] = field(default_factory=dict)

    def record(self, request: Request, reply: httpx.Response) -> None:
        if (reply.status_code, reply.json()) == (200, {"statusCode": 0}):
            self.accepted[request.reference_id] = request.body["operationName"]
        else:
            self.refused[request.reference_id] = reply


@dataclass
class Desktop:
    """One agent's desktop on one campaign, naming its requests `{name}-{n}`."""

    agent: str
    campaign: str
    _serial: Iterator[int] = field(default_factory=itertools.count)

    @property
    def name(self) -> str:
        return f"{self.campaign}-{self.agent}"

    def start(self) -> Request:
        return campaign_request(
            self.agent, "StartPreviewSession", self._reference(), campaign=self.campaign
        )

    def cycle(self) -> Iterator[Request]:
        """The held-record cycle, endlessly."""
        for turn in itertools.count():
            yield self._on_record("UpdateRecord", **{"from": turn % 86400})
            yield self._on_record("CompleteRecord", callingList=CALLING_LIST, phoneNumber="0")
            yield self._on_record("CancelRecord", callingList=CALLING_LIST, phoneNumber="0")

    def _on_record(self, operation: str, **parameters: Any) -> Request:
        return record_request(
            self.agent,
            operation,
            HELD_IN_DEMO[self.agent],
            self._reference(),
            campaign=self.campaign,
            **parameters,
        )

    def _reference(self) -> str:
        return f"{self.name}-{next(self._serial)}"


async def post(http: httpx.AsyncClient, request: Request, ledger: Ledger) -> None:
    reply = await http.post(request.path, json=request.body, headers=basic(request.user))
    ledger.record(request, reply)


Poster = Callable[[httpx.AsyncClient, Request, Ledger], Awaitable[None]]


async def run_paced(
    http: httpx.AsyncClient,
    desktop: Desktop,
    ledger: Ledger,
    *,
    period_s: float,
    keep_going: Callable[[int], bool],
    poster: Poster = post,
) -> int:
    """Starts the preview session, then posts the cycle one request every `period_s` (each
    after the previous reply, so the desktop's own order is the log's) while
    `keep_going(posted)`; returns how many it posted."""
    await poster(http, desktop.start(), ledger)
    loop = asyncio.get_running_loop()
    began, posted = loop.time(), 1
    for request in desktop.cycle():
        if not keep_going(posted):
            break
        await asyncio.sleep(max(0.0, began + posted * period_s - loop.time()))
        await poster(http, request, ledger)
        posted += 1
    return posted
