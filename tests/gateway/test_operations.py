"""Every operation of spec §1 on its URL: what it becomes, and how each parameter is checked."""

from typing import Any

import httpx
import pytest

from gateway.kafka import InMemoryPublisher
from outbound_contracts.commands import (
    AddRecord,
    AgentCommand,
    CancelRecord,
    CompleteRecord,
    DoNotCallRecord,
    EndPreviewSession,
    GetChainedRecord,
    GetPreviewRecord,
    RejectRecord,
    RescheduleRecord,
    StartPreviewSession,
    UpdateRecord,
)
from outbound_contracts.vocabulary import CallbackType, CallResult, ChainAttribute, PhoneType
from tests.gateway.conftest import (
    AGENT1_DEVICE,
    AGENT4_DEVICE,
    basic,
    shared_client,
    shared_published,
)

HELD = "/api/v2/me/outbound-records/12"
RECORDS = "/api/v2/me/outbound-records"
CAMPAIGN = "/api/v2/me/outbound-campaigns/Campaign1"
COMMON: dict[str, Any] = {
    "applicationId": 134,
    "campaignName": "Campaign1",
    "devicePath": AGENT1_DEVICE,
    "referenceId": "ref-1",
}
PREVIEW: dict[str, Any] = {
    "applicationId": 134,
    "devicePath": AGENT1_DEVICE,
    "referenceId": "ref-1",
}

# One gateway for the module (tests/gateway/conftest.py): its tests sign in right and change
# no setting.
client, published = shared_client, shared_published


def body(operation: str, base: dict[str, Any] = COMMON, **parameters: Any) -> dict[str, Any]:
    merged = {"operationName": operation, **base}
    for key, value in parameters.items():
        name = {"from_": "from"}.get(key, key)
        if value is ...:
            merged.pop(name, None)
        else:
            merged[name] = value
    return merged


ADD = body(
    "AddRecord",
    callingList="L1",
    phoneNumber="3100",
    timeZone="ECT",
    phoneType="HomePhone",
    from_=32400,
    until=72000,
)

# (path, body, the command's type, fields the command must carry beyond the common ones)
ACCEPTED: list[tuple[str, dict[str, Any], type[AgentCommand], dict[str, Any]]] = [
    (HELD, body("RejectRecord", callingList="L1"), RejectRecord, {"calling_list": "L1"}),
    (
        HELD,
        body("CancelRecord", callingList="L1", phoneNumber="3001", chainAttribute="RecordOnly"),
        CancelRecord,
        {"phone_number": "3001", "chain_attribute": ChainAttribute.RECORD_ONLY},
    ),
    (
        HELD,
        body("CompleteRecord", callingList="L1", callResult="WrongParty", phoneNumber="3001"),
        CompleteRecord,
        {"call_result": CallResult.WrongParty, "phone_number": "3001"},
    ),
    (
        HELD,
        body("CompleteRecord", callingList="L1"),
        CompleteRecord,
        {"call_result": None, "phone_number": None},
    ),
    (
        HELD,
        body(
            "UpdateRecord",
            callingList="L1",
            phoneNumber="3002",
            timeZone="PST",
            phoneType="Mobile",
            from_=0,
            until=86399,
        ),
        UpdateRecord,
        {
            "calling_list": "L1",
            "phone_number": "3002",
            "time_zone": "PST",
            "phone_type": PhoneType.MOBILE,
            "daily_from": 0,
            "daily_till": 86399,
        },
    ),
    (HELD, body("UpdateRecord"), UpdateRecord, {"calling_list": None, "daily_from": None}),
    (
        HELD,
        body("RescheduleRecord", callbackType="Campaign", timestamp=1767261600),
        RescheduleRecord,
        {"callback_type": CallbackType.CAMPAIGN, "timestamp": 1767261600},
    ),
    (
        HELD,
        body("DoNotCallRecord", callingList="L1", chainAttribute="AllChain"),
        DoNotCallRecord,
        {"record_handle": 12, "calling_list": "L1", "chain_attribute": ChainAttribute.ALL_CHAIN},
    ),
    (HELD, body("GetChainedRecord"), GetChainedRecord, {"record_handle": 12}),
    (
        RECORDS,
        body("DoNotCallRecord", phoneNumber="3001"),
        DoNotCallRecord,
        {"record_handle": None, "phone_number": "3001", "calling_list": None},
    ),
    (
        RECORDS,
        {
            **ADD,
            "chainId": 7,
            "otherFields": {"name": "Ada", "vip": True, "score": 4.5, "age": 36},
        },
        AddRecord,
        {
            "phone_type": PhoneType.HOME_PHONE,
            "daily_from": 32400,
            "daily_till": 72000,
            "chain_id": 7,
            "other_fields": {"name": "Ada", "vip": True, "score": 4.5, "age": 36},
        },
    ),
    (CAMPAIGN, body("StartPreviewSession", PREVIEW), StartPreviewSession, {}),
    (CAMPAIGN, body("GetPreviewRecord", PREVIEW), GetPreviewRecord, {}),
    (CAMPAIGN, body("EndPreviewSession", PREVIEW), EndPreviewSession, {}),
]


def case_id(value: object) -> str | None:
    name = value.get("operationName") if isinstance(value, dict) else None
    return str(name) if name else None


@pytest.mark.parametrize(("path", "request_body", "kind", "fields"), ACCEPTED, ids=case_id)
async def test_each_operation_becomes_its_command(
    client: httpx.AsyncClient,
    published: InMemoryPublisher,
    *,
    path: str,
    request_body: dict[str, Any],
    kind: type[AgentCommand],
    fields: dict[str, Any],
) -> None:
    response = await client.post(path, json=request_body, headers=basic("agent1"))
    assert (response.status_code, response.json()) == (200, {"statusCode": 0})
    [command] = published.published
    assert type(command) is kind
    assert (command.application_id, command.campaign_name) == (134, "Campaign1")
    assert (command.user_name, command.device_id) == ("agent1", AGENT1_DEVICE.split("/")[-1])
    assert command.reference_id == "ref-1"
    assert len(command.command_id) == 32
    assert command.received_at_ns > 0
    assert not command.campaign_withheld
    for name, value in fields.items():
        assert getattr(command, name) == value, name


@pytest.mark.parametrize(
    ("path", "request_body", "kind"), [case[:3] for case in ACCEPTED], ids=case_id
)
@pytest.mark.parametrize(("campaign", "withheld"), [("Campaign2", True), ("Campaign1", False)])
async def test_a_campaign_the_agent_is_not_given_is_accepted_alike_and_marked_withheld(
    client: httpx.AsyncClient,
    published: InMemoryPublisher,
    *,
    path: str,
    request_body: dict[str, Any],
    kind: type[AgentCommand],
    campaign: str,
    withheld: bool,
) -> None:
    """agent4 may work Campaign1 only: the same reply either way; the worker answers a
    withheld campaign as one that does not exist (tests/ocs_worker/test_withheld_campaigns)."""
    path = path.replace("Campaign1", campaign)
    request_body = {**request_body, "devicePath": AGENT4_DEVICE}
    if "campaignName" in request_body:
        request_body["campaignName"] = campaign
    response = await client.post(path, json=request_body, headers=basic("agent4"))
    assert (response.status_code, response.json()) == (200, {"statusCode": 0})
    [command] = published.published
    assert type(command) is kind
    assert (command.campaign_name, command.campaign_withheld) == (campaign, withheld)


async def test_the_campaign_of_a_preview_operation_is_the_urls(
    client: httpx.AsyncClient, published: InMemoryPublisher
) -> None:
    request_body = body("StartPreviewSession", PREVIEW, campaignName="NotThisOne")
    response = await client.post(
        "/api/v2/me/outbound-campaigns/Campaign%202", json=request_body, headers=basic("agent1")
    )
    assert response.json() == {"statusCode": 0}
    assert published.published[0].campaign_name == "Campaign 2"


async def test_null_counts_as_absent(
    client: httpx.AsyncClient, published: InMemoryPublisher
) -> None:
    request_body = body("CancelRecord", callingList="L1", phoneNumber=None, chainAttribute=None)
    assert (await client.post(HELD, json=request_body, headers=basic("agent1"))).status_code == 200
    [command] = published.published
    assert isinstance(command, CancelRecord)
    assert (command.phone_number, command.chain_attribute) == (None, None)
    required_null = body("RejectRecord", callingList=None)
    refused = await client.post(HELD, json=required_null, headers=basic("agent1"))
    assert (refused.status_code, refused.json()["statusCode"]) == (400, 1)


# (path, body, HTTP status, statusCode, words the statusMessage must contain)
REFUSED: list[tuple[str, dict[str, Any], int, int, list[str]]] = [
    (HELD, body("CompleteRecord"), 400, 1, ["callingList"]),
    (
        HELD,
        body("CompleteRecord", callingList="L1", callResult="Nope"),
        400,
        2,
        ["callResult", "Answer", "WrongParty"],
    ),
    (HELD, body("CompleteRecord", callingList="L1", callResult=33), 400, 2, ["callResult"]),
    (HELD, body("CompleteRecord", callingList="L1", phoneNumber=3001), 400, 2, ["phoneNumber"]),
    (HELD, body("UpdateRecord", from_=86400), 400, 10, ["from", "0..86399"]),
    (HELD, body("UpdateRecord", until=-1), 400, 10, ["until", "0..86399"]),
    (HELD, body("UpdateRecord", from_="0"), 400, 2, ["from"]),
    (HELD, body("UpdateRecord", phoneType="Car"), 400, 2, ["phoneType", "Mobile", "HomePhone"]),
    (HELD, body("UpdateRecord", timeZone=""), 400, 2, ["timeZone"]),
    (HELD, body("UpdateRecord", timeZone="Mars/Olympus"), 400, 2, ["timeZone", "IANA"]),
    (HELD, body("RescheduleRecord", timestamp=1), 400, 1, ["callbackType"]),
    (HELD, body("RescheduleRecord", callbackType="Personal"), 400, 1, ["timestamp"]),
    (
        HELD,
        body("RescheduleRecord", callbackType="Team", timestamp=1),
        400,
        2,
        ["callbackType", "Personal", "Campaign"],
    ),
    (
        HELD,
        body("RescheduleRecord", callbackType="Personal", timestamp="soon"),
        400,
        2,
        ["timestamp"],
    ),
    (HELD, body("RescheduleRecord", callbackType="Personal", timestamp=-1), 400, 10, ["timestamp"]),
    (HELD, body("DoNotCallRecord"), 400, 1, ["callingList"]),
    (
        HELD,
        body("DoNotCallRecord", callingList="L1", chainAttribute="all"),
        400,
        2,
        ["chainAttribute", "AllChain", "RecordOnly"],
    ),
    (HELD, body("AddRecord", callingList="L1"), 400, 2, ["operationName", "GetChainedRecord"]),
    (RECORDS, body("DoNotCallRecord", callingList="L1"), 400, 1, ["phoneNumber"]),
    (RECORDS, body("RejectRecord", callingList="L1"), 400, 2, ["operationName", "AddRecord"]),
    *[
        (RECORDS, {**ADD, missing: None}, 400, 1, [missing])
        for missing in ("callingList", "phoneNumber", "timeZone", "phoneType", "from", "until")
    ],
    (RECORDS, {**ADD, "from": 90000}, 400, 10, ["from"]),
    (RECORDS, {**ADD, "chainId": "7"}, 400, 2, ["chainId"]),
    (RECORDS, {**ADD, "chainId": -1}, 400, 10, ["chainId"]),
    (RECORDS, {**ADD, "otherFields": {"nested": {"no": 1}}}, 400, 2, ["otherFields"]),
    (RECORDS, {**ADD, "otherFields": ["a"]}, 400, 2, ["otherFields"]),
    (CAMPAIGN, body("StartPreviewSession", PREVIEW, applicationId=...), 400, 1, ["applicationId"]),
    (CAMPAIGN, body("GetPreviewRecord", PREVIEW, devicePath=...), 400, 1, ["devicePath"]),
    (CAMPAIGN, body("EndPreviewSession", PREVIEW, applicationId=1.5), 400, 2, ["applicationId"]),
    (CAMPAIGN, body("RejectRecord", PREVIEW), 400, 2, ["operationName", "StartPreviewSession"]),
    (
        CAMPAIGN,
        body("GetPreviewRecord", PREVIEW, devicePath=AGENT1_DEVICE + "x"),
        404,
        6,
        [AGENT1_DEVICE + "x"],
    ),
]


@pytest.mark.parametrize(
    ("path", "request_body", "status", "code", "words"),
    REFUSED,
    ids=[f"{c[1].get('operationName')}-{'-'.join(c[4][:1])}-{c[3]}" for c in REFUSED],
)
async def test_each_parameter_is_checked_as_the_spec_says(
    client: httpx.AsyncClient,
    published: InMemoryPublisher,
    *,
    path: str,
    request_body: dict[str, Any],
    status: int,
    code: int,
    words: list[str],
) -> None:
    response = await client.post(path, json=request_body, headers=basic("agent1"))
    reply = response.json()
    assert (response.status_code, reply["statusCode"]) == (status, code), reply
    assert set(reply) == {"statusCode", "statusMessage"}
    for word in words:
        assert word in reply["statusMessage"]
    assert published.published == []


@pytest.mark.parametrize("handle", ["x", "-1", "1e3", "\uff11\uff12"])
async def test_a_bad_handle_is_refused_for_every_held_record_operation(
    client: httpx.AsyncClient, published: InMemoryPublisher, handle: str
) -> None:
    response = await client.post(
        f"/api/v2/me/outbound-records/{handle}",
        json=body("GetChainedRecord"),
        headers=basic("agent1"),
    )
    assert (response.status_code, response.json()["statusCode"]) == (400, 2)
    assert "recordHandle" in response.json()["statusMessage"]
    assert published.published == []
