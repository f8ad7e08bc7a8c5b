"""The GWS error table and check order, with an in-memory publisher (no Kafka involved)."""

from typing import Any

import httpx
import pytest

from agent_access.session import SESSION_COOKIE
from gateway.kafka import InMemoryPublisher
from outbound_contracts.commands import CancelRecord, RejectRecord
from outbound_contracts.vocabulary import ChainAttribute
from tests.gateway.conftest import basic, shared_client, shared_published, vector

# One gateway for the module (tests/gateway/conftest.py).
client, published = shared_client, shared_published

REJECT = vector("reject-record")["request"]
CANCEL = vector("cancel-record")["request"]


async def post(
    client: httpx.AsyncClient, body: Any, *, path: str = REJECT["path"], user: str = "agent1"
) -> tuple[int, dict[str, Any]]:
    response = await client.post(path, json=body, headers=basic(user))
    return response.status_code, response.json()


def with_body(**changes: Any) -> dict[str, Any]:
    body = dict(REJECT["body"])
    for key, value in changes.items():
        if value is None:
            body.pop(key, None)
        else:
            body[key] = value
    return body


async def test_the_reject_vector_is_accepted_as_a_reject_command(
    client: httpx.AsyncClient, published: InMemoryPublisher
) -> None:
    assert await post(client, REJECT["body"]) == (200, {"statusCode": 0})
    [command] = published.published
    assert isinstance(command, RejectRecord)
    assert (command.record_handle, command.calling_list) == (9, "CallingList1")
    assert (command.application_id, command.campaign_name) == (134, "Campaign1")
    assert command.device_id == "2b00393c-9ad3-418f-8b3d-a06cbe8af395"
    assert (command.user_name, command.reference_id) == ("agent1", "123456789")
    assert command.received_at_ns > 0


async def test_the_cancel_vector_carries_phone_and_chain(
    client: httpx.AsyncClient, published: InMemoryPublisher
) -> None:
    assert await post(client, CANCEL["body"], path=CANCEL["path"], user="agent2") == (
        200,
        {"statusCode": 0},
    )
    [command] = published.published
    assert isinstance(command, CancelRecord)
    assert command.phone_number == "3001"
    assert command.chain_attribute is ChainAttribute.ALL_CHAIN


async def test_a_cancel_without_chain_attribute_leaves_it_unset(
    client: httpx.AsyncClient, published: InMemoryPublisher
) -> None:
    body = {**CANCEL["body"], "chainAttribute": None}
    assert (await post(client, body, path=CANCEL["path"], user="agent2"))[0] == 200
    [command] = published.published
    assert isinstance(command, CancelRecord)
    assert command.chain_attribute is None


async def test_unknown_fields_are_ignored(
    client: httpx.AsyncClient, published: InMemoryPublisher
) -> None:
    assert (await post(client, with_body(somethingNew=True)))[0] == 200
    assert len(published.published) == 1


async def test_success_sets_a_session_cookie_that_then_suffices(
    client: httpx.AsyncClient, published: InMemoryPublisher
) -> None:
    first = await client.post(REJECT["path"], json=REJECT["body"], headers=basic("agent1"))
    assert SESSION_COOKIE in first.cookies
    again = await client.post(REJECT["path"], json=REJECT["body"])  # the client keeps the cookie
    assert again.json() == {"statusCode": 0}
    assert len(published.published) == 2


@pytest.mark.parametrize(
    "headers",
    [{}, basic("agent1", "wrong"), basic("nobody"), {"Authorization": "Basic !!"}],
    ids=["none", "wrong-password", "unknown-user", "malformed"],
)
async def test_bad_credentials_are_401_20_alike(
    client: httpx.AsyncClient, published: InMemoryPublisher, headers: dict[str, str]
) -> None:
    response = await client.post(REJECT["path"], json=REJECT["body"], headers=headers)
    assert response.status_code == 401
    assert response.json() == {"statusCode": 20, "statusMessage": "Access denied"}
    assert response.headers["WWW-Authenticate"].startswith("Basic")
    assert published.published == []


async def test_a_user_without_the_feature_is_403_5(
    client: httpx.AsyncClient, published: InMemoryPublisher
) -> None:
    status, body = await post(client, REJECT["body"], user="agent3")
    assert (status, body["statusCode"]) == (403, 5)
    assert "api-voice-outbound" in body["statusMessage"]
    assert published.published == []


async def test_an_oversized_body_is_413(
    client: httpx.AsyncClient, published: InMemoryPublisher
) -> None:
    status, body = await post(client, with_body(padding="x" * 70_000))
    assert (status, body["statusCode"]) == (413, 2)
    assert "65536" in body["statusMessage"]
    assert published.published == []


async def test_malformed_json_is_400_2(
    client: httpx.AsyncClient, published: InMemoryPublisher
) -> None:
    response = await client.post(
        REJECT["path"],
        content=b"{not json",
        headers={**basic("agent1"), "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json()["statusCode"] == 2
    assert set(response.json()) == {"statusCode", "statusMessage"}
    assert published.published == []


@pytest.mark.parametrize(
    ("body", "status", "code", "named"),
    [
        (with_body(operationName="LaunchRocket"), 400, 2, "operationName"),
        (with_body(operationName=None), 400, 1, "operationName"),
        (with_body(callingList=None), 400, 1, "callingList"),
        (with_body(applicationId=None), 400, 1, "applicationId"),
        (with_body(campaignName=None), 400, 1, "campaignName"),
        (with_body(devicePath=None), 400, 1, "devicePath"),
        (with_body(applicationId="134"), 400, 2, "applicationId"),
        (with_body(applicationId=True), 400, 2, "applicationId"),
        (with_body(callingList=7), 400, 2, "callingList"),
        (with_body(devicePath="2b00393c"), 400, 2, "devicePath"),
        (with_body(referenceId=5), 400, 2, "referenceId"),
        (
            with_body(devicePath="/devices/57fc644b-c3b8-4ce8-ad82-d7e15c5f0b33"),
            404,
            6,
            "/devices/",
        ),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
async def test_bad_parameters_are_named_and_nothing_is_published(
    client: httpx.AsyncClient,
    published: InMemoryPublisher,
    body: dict[str, Any],
    *,
    status: int,
    code: int,
    named: str,
) -> None:
    reply_status, reply = await post(client, body)
    assert (reply_status, reply["statusCode"]) == (status, code)
    assert named in reply["statusMessage"]
    assert set(reply) == {"statusCode", "statusMessage"}
    assert published.published == []


async def test_an_unknown_chain_attribute_lists_the_allowed_values(
    client: httpx.AsyncClient, published: InMemoryPublisher
) -> None:
    body = {**CANCEL["body"], "chainAttribute": "SomeChain"}
    status, reply = await post(client, body, path=CANCEL["path"], user="agent2")
    assert (status, reply["statusCode"]) == (400, 2)
    assert "AllChain" in reply["statusMessage"]
    assert "RecordOnly" in reply["statusMessage"]
    assert published.published == []


@pytest.mark.parametrize("handle", ["nine", "-9", "9.5"])
async def test_a_bad_record_handle_is_400_2(
    client: httpx.AsyncClient, published: InMemoryPublisher, handle: str
) -> None:
    status, reply = await post(client, REJECT["body"], path=f"/api/v2/me/outbound-records/{handle}")
    assert (status, reply["statusCode"]) == (400, 2)
    assert "recordHandle" in reply["statusMessage"]
    assert published.published == []


async def test_checks_run_in_the_spec_order(
    client: httpx.AsyncClient, published: InMemoryPublisher
) -> None:
    """A request wrong in every way is answered by the first check: credentials."""
    everything_wrong = with_body(operationName="Nope", callingList=None)
    response = await client.post(REJECT["path"], json=everything_wrong)
    assert response.json()["statusCode"] == 20
    # With credentials, the feature comes before the body's faults.
    assert (await post(client, everything_wrong, user="agent3"))[1]["statusCode"] == 5
    # Then the operationName (400/2) before the missing callingList (400/1).
    assert (await post(client, everything_wrong))[1]["statusCode"] == 2
    # Missing parameters (400/1) before the device (404/6).
    foreign_device = with_body(
        callingList=None, devicePath="/devices/57fc644b-c3b8-4ce8-ad82-d7e15c5f0b33"
    )
    assert (await post(client, foreign_device))[1]["statusCode"] == 1
    assert published.published == []


async def test_me_describes_the_caller(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v2/me", headers=basic("agent1"))
    assert response.status_code == 200
    body = response.json()
    assert body["statusCode"] == 0
    assert body["user"]["userName"] == "agent1"
    assert body["user"]["enabled"] is True
    assert "passwordHash" not in str(body)


async def test_my_devices_are_the_callers_only(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v2/me/devices", headers=basic("agent2"))
    assert response.json() == {
        "statusCode": 0,
        "devices": [
            {
                "id": "57fc644b-c3b8-4ce8-ad82-d7e15c5f0b33",
                "phoneNumber": "7002",
                "deviceState": "Active",
            }
        ],
    }
    client.cookies.clear()  # the reply above set a session cookie
    anonymous = await client.get("/api/v2/me/devices")
    assert (anonymous.status_code, anonymous.json()["statusCode"]) == (401, 20)
