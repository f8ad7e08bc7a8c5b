"""Agent desktops under Locust: each signs in to the gateway (GET /api/v2/me with HTTP Basic,
then the GWS_SESSION cookie), holds a CometD session over long-polling or a websocket (the
transports of `LOADTEST_TRANSPORTS` in turn), and posts operations on
the record its agent holds at `LOADTEST_COMMANDS_PER_SECOND`, each once the previous one's
outcome arrived (as a desktop does). Reported beside the HTTP rows: `COMETD outcome`, one per
outcome delivered, its response time the POST-to-message latency; an outcome not delivered
within `LOADTEST_OUTCOME_TIMEOUT_SECONDS` is a failure.

`locust -f loadtest/locustfile.py` (docs/load-testing.md; the compose profile `loadtest`)."""

import base64
import itertools
import time
import uuid
from collections.abc import Iterator
from typing import Any

from gevent.event import AsyncResult
from locust import HttpUser, constant_pacing, task

from loadtest.bayeux import SESSIONS, Message
from loadtest.settings import LoadSettings

SETTINGS = LoadSettings()
HELD = {"agent1": 9, "agent2": 11}
"""The record each demo agent holds (Retrieved) in demo/calling-list.csv."""
DEVICES = {
    "agent1": "/devices/2b00393c-9ad3-418f-8b3d-a06cbe8af395",
    "agent2": "/devices/57fc644b-c3b8-4ce8-ad82-d7e15c5f0b33",
}
AGENTS = itertools.cycle(SETTINGS.agents)
TRANSPORTS = itertools.cycle(SETTINGS.transports)
CHANNELS = ["/v2/me/outbound", "/me/internal"]


def operations(agent: str) -> Iterator[dict[str, Any]]:
    """A cycle that leaves the record held by `agent`: an update, a personal callback due long
    ago, and a cancel with a wrong phone number (refused by OCS with error 108)."""
    for turn in itertools.count():
        yield {"operationName": "UpdateRecord", "from": turn % 86400}
        yield {"operationName": "RescheduleRecord", "callbackType": "Personal",
               "timestamp": 1_700_000_000}  # fmt: skip
        yield {"operationName": "CancelRecord", "callingList": "CallingList1", "phoneNumber": "0"}


class Desktop(HttpUser):
    host = SETTINGS.gateway_url
    wait_time = constant_pacing(1 / SETTINGS.commands_per_second)

    def on_start(self) -> None:
        self.agent = next(AGENTS)
        self.pending: dict[str, AsyncResult[float]] = {}
        self.cycle = operations(self.agent)
        # As the desktop's scripts do: a cookie-signed POST needs it (or Origin) against CSRF.
        self.client.headers["X-Requested-With"] = "XMLHttpRequest"
        credentials = base64.b64encode(f"{self.agent}:{SETTINGS.password}".encode()).decode()
        with self.client.get(
            "/api/v2/me", headers={"Authorization": f"Basic {credentials}"}, name="sign in",
            catch_response=True,
        ) as reply:  # fmt: skip
            if "GWS_SESSION" not in self.client.cookies:
                reply.failure("no GWS_SESSION cookie")
        self.cometd = SESSIONS[next(TRANSPORTS)](
            SETTINGS.cometd_url, f"Basic {credentials}", self._delivered
        )
        self.cometd.open(CHANNELS)

    def on_stop(self) -> None:
        self.cometd.close()

    @task
    def post_operation(self) -> None:
        reference = f"lt-{uuid.uuid4().hex}"
        body = {
            **next(self.cycle),
            "applicationId": 134,
            "campaignName": "Campaign1",
            "devicePath": DEVICES[self.agent],
            "referenceId": reference,
        }
        arrival: AsyncResult[float] = AsyncResult()
        self.pending[reference] = arrival
        path = f"/api/v2/me/outbound-records/{HELD[self.agent]}"
        sent_at = time.monotonic()
        try:
            with self.client.post(
                path, json=body, name=body["operationName"], catch_response=True
            ) as reply:
                if reply.status_code != 200 or reply.json() != {"statusCode": 0}:
                    reply.failure(f"{reply.status_code} {reply.text[:200]}")
                    return
            arrived_at = arrival.wait(SETTINGS.outcome_timeout_seconds)
            if arrived_at is None:
                self._report(time.monotonic() - sent_at, "outcome not delivered")
            else:
                self._report(arrived_at - sent_at)
        finally:
            del self.pending[reference]

    def _delivered(self, message: Message) -> None:
        if message["channel"] != CHANNELS[0]:
            return
        arrival = self.pending.get(message["data"].get("referenceId", ""))
        if arrival is not None:  # other desktops of the same agent get it too
            arrival.set(time.monotonic())

    def _report(self, latency_s: float, failure: str | None = None) -> None:
        self.environment.events.request.fire(
            request_type="COMETD",
            name="outcome",
            response_time=latency_s * 1000,
            response_length=0,
            exception=RuntimeError(failure) if failure else None,
            context={},
        )
