"""GWS v2 Outbound requests as a demo agent's desktop sends them to the gateway (spec §1)."""

from dataclasses import dataclass
from typing import Any

import httpx

from tests.gateway.conftest import AGENT1_DEVICE, AGENT2_DEVICE, AGENT4_DEVICE, basic
from tests.notifier.vectors import VECTOR_USERS, load
from tests.system.conftest import DEMO_APPLICATION_ID, DEMO_CAMPAIGN

DEVICE_PATHS = {"agent1": AGENT1_DEVICE, "agent2": AGENT2_DEVICE, "agent4": AGENT4_DEVICE}
RECORDS_PATH = "/api/v2/me/outbound-records"
CAMPAIGNS_PATH = "/api/v2/me/outbound-campaigns"


@dataclass(frozen=True)
class Request:
    user: str
    path: str
    body: dict[str, Any]

    @property
    def reference_id(self) -> str:
        reference: str = self.body["referenceId"]
        return reference

    @property
    def device_path(self) -> str:
        path: str = self.body["devicePath"]
        return path

    @property
    def device_id(self) -> str:
        return self.device_path.removeprefix("/devices/")

    @property
    def application_id(self) -> int:
        application: int = self.body["applicationId"]
        return application

    @property
    def campaign_name(self) -> str:
        if self.path.startswith(CAMPAIGNS_PATH):
            return self.path.removeprefix(f"{CAMPAIGNS_PATH}/")
        name: str = self.body["campaignName"]
        return name

    @property
    def record_handle(self) -> int | None:
        """The `{h}` of `/outbound-records/{h}`; None for the other URLs."""
        if not self.path.startswith(f"{RECORDS_PATH}/"):
            return None
        return int(self.path.removeprefix(f"{RECORDS_PATH}/"))


def record_request(
    user: str,
    operation: str,
    handle: int | None,
    reference: str,
    *,
    campaign: str = DEMO_CAMPAIGN,
    **parameters: Any,
) -> Request:
    """A request on `/outbound-records/{handle}` (or on `/outbound-records` for None)."""
    path = RECORDS_PATH if handle is None else f"{RECORDS_PATH}/{handle}"
    body = {
        "operationName": operation,
        "applicationId": DEMO_APPLICATION_ID,
        "campaignName": campaign,
        "devicePath": DEVICE_PATHS[user],
        "referenceId": reference,
        **parameters,
    }
    return Request(user, path, body)


def campaign_request(
    user: str, operation: str, reference: str, *, campaign: str = DEMO_CAMPAIGN
) -> Request:
    """A preview-session request on `/outbound-campaigns/{campaign}`."""
    body = {
        "operationName": operation,
        "applicationId": DEMO_APPLICATION_ID,
        "devicePath": DEVICE_PATHS[user],
        "referenceId": reference,
    }
    return Request(user, f"{CAMPAIGNS_PATH}/{campaign}", body)


async def send(http: httpx.AsyncClient, request: Request) -> None:
    """Posts as the request's user; the gateway must accept it (`{"statusCode": 0}`)."""
    reply = await http.post(request.path, json=request.body, headers=basic(request.user))
    assert (reply.status_code, reply.json()) == (200, {"statusCode": 0}), reply.text


def vector_request(name: str) -> Request:
    """The request of the spec's vector `name`, verbatim, as the vector's agent."""
    request = load(name)["request"]
    return Request(VECTOR_USERS[name], request["path"], request["body"])
