"""Real HTTP into the gateway, real Kafka behind it."""

import time
from typing import Any

import httpx
import pytest

from gateway import kafka as kafka_module
from outbound_contracts.codec import decode_command
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
from outbound_contracts.topics import TopicNames, campaign_key
from tests.gateway.conftest import (
    AGENT1_DEVICE,
    basic,
    default_partition,
    kafka_settings,
    read_commands,
    running_gateway,
    vector,
)

pytestmark = pytest.mark.kafka


@pytest.mark.parametrize(
    ("name", "user", "kind"),
    [("reject-record", "agent1", RejectRecord), ("cancel-record", "agent2", CancelRecord)],
)
async def test_a_vector_request_lands_once_on_its_campaign_partition(
    kafka_bootstrap: str, topics: TopicNames, name: str, user: str, kind: type[AgentCommand]
) -> None:
    exchange = vector(name)
    request = exchange["request"]
    async with (
        running_gateway(kafka_settings(kafka_bootstrap, topics)) as base_url,
        httpx.AsyncClient() as http,
    ):
        response = await http.post(
            base_url + request["path"], json=request["body"], headers=basic(user)
        )
    assert response.status_code == exchange["response"]["status"]
    assert response.json() == exchange["response"]["body"]

    [(partition, key, value)] = await read_commands(kafka_bootstrap, topics.commands, expected=1)
    assert key == campaign_key(134, "Campaign1")
    assert partition == default_partition(key)
    assert value is not None
    command = decode_command(value)
    assert type(command) is kind
    assert isinstance(command, RejectRecord | CancelRecord)
    handle = int(request["path"].rsplit("/", 1)[1])
    assert (command.record_handle, command.calling_list) == (handle, "CallingList1")
    assert command.device_id == request["body"]["devicePath"].removeprefix("/devices/")
    assert command.user_name == user
    assert command.reference_id == "123456789"


COMMON = {"applicationId": 134, "campaignName": "Campaign1", "devicePath": AGENT1_DEVICE}
HELD, RECORDS, CAMPAIGN = (
    "/outbound-records/9",
    "/outbound-records",
    "/outbound-campaigns/Campaign1",
)
ADD = {
    "operationName": "AddRecord",
    "callingList": "L",
    "phoneNumber": "3100",
    "timeZone": "ECT",
    "phoneType": "HomePhone",
    "from": 0,
    "until": 86399,
}
EVERY_OPERATION: list[tuple[str, dict[str, Any], type[AgentCommand]]] = [
    (CAMPAIGN, {"operationName": "StartPreviewSession"}, StartPreviewSession),
    (CAMPAIGN, {"operationName": "GetPreviewRecord"}, GetPreviewRecord),
    (HELD, {"operationName": "GetChainedRecord"}, GetChainedRecord),
    (HELD, {"operationName": "UpdateRecord", "phoneType": "Mobile"}, UpdateRecord),
    (HELD, {"operationName": "RejectRecord", "callingList": "L"}, RejectRecord),
    (HELD, {"operationName": "CancelRecord", "callingList": "L"}, CancelRecord),
    (
        HELD,
        {"operationName": "CompleteRecord", "callingList": "L", "callResult": "Answer"},
        CompleteRecord,
    ),
    (
        HELD,
        {"operationName": "RescheduleRecord", "callbackType": "Personal", "timestamp": 1},
        RescheduleRecord,
    ),
    (HELD, {"operationName": "DoNotCallRecord", "callingList": "L"}, DoNotCallRecord),
    (RECORDS, {"operationName": "DoNotCallRecord", "phoneNumber": "3001"}, DoNotCallRecord),
    (RECORDS, ADD, AddRecord),
    (CAMPAIGN, {"operationName": "EndPreviewSession"}, EndPreviewSession),
]  # fmt: skip


async def test_every_operation_lands_once_in_order_on_the_campaigns_partition(
    kafka_bootstrap: str, topics: TopicNames
) -> None:
    async with (
        running_gateway(kafka_settings(kafka_bootstrap, topics)) as base_url,
        httpx.AsyncClient(base_url=base_url + "/api/v2/me", headers=basic("agent1")) as http,
    ):
        for number, (path, body, _) in enumerate(EVERY_OPERATION):
            reply = await http.post(path, json={**COMMON, **body, "referenceId": str(number)})
            assert reply.json() == {"statusCode": 0}, body

    found = await read_commands(kafka_bootstrap, topics.commands, expected=len(EVERY_OPERATION))
    key = campaign_key(134, "Campaign1")
    assert {(partition, k) for partition, k, _ in found} == {(default_partition(key), key)}
    commands = [decode_command(value) for _, _, value in found if value is not None]
    assert [type(command) for command in commands] == [kind for _, _, kind in EVERY_OPERATION]
    for number, command in enumerate(commands):
        assert isinstance(command, AgentCommand)
        assert command.reference_id == str(number)
        assert (command.user_name, command.campaign_name) == ("agent1", "Campaign1")
    assert len({command.command_id for command in commands}) == len(commands)


async def test_each_refusal_of_the_error_table_publishes_nothing(
    kafka_bootstrap: str, topics: TopicNames
) -> None:
    request = vector("reject-record")["request"]
    good = request["body"]
    agent1 = basic("agent1")
    refusals: list[tuple[dict[str, Any], bytes, dict[str, str]]] = [
        ({}, b"", {}),
        ({}, b"", basic("agent1", "wrong")),
        ({}, b"", basic("agent3")),
        ({}, b" " * 70_000, agent1),
        ({}, b"{not json", agent1),
        ({**good, "operationName": "Nope"}, b"", agent1),
        ({**good, "callingList": None}, b"", agent1),
        ({**good, "applicationId": "134"}, b"", agent1),
        ({**good, "devicePath": "/devices/57fc644b-c3b8-4ce8-ad82-d7e15c5f0b33"}, b"", agent1),
    ]
    add = {**COMMON, **ADD, "until": 86400}
    statuses = []
    async with (
        running_gateway(kafka_settings(kafka_bootstrap, topics)) as base_url,
        running_gateway(kafka_settings(kafka_bootstrap, topics, csrf_enabled=True)) as csrf_url,
        httpx.AsyncClient() as http,
    ):
        for body, raw, headers in refusals:
            url = base_url + request["path"]
            if raw:
                reply = await http.post(url, content=raw, headers=headers)
            else:
                reply = await http.post(url, json=body or good, headers=headers)
            statuses.append((reply.status_code, reply.json()["statusCode"]))
        out_of_range = await http.post(
            base_url + "/api/v2/me/outbound-records", json=add, headers=agent1
        )
        statuses.append((out_of_range.status_code, out_of_range.json()["statusCode"]))
        no_csrf = await http.post(csrf_url + request["path"], json=good, headers=agent1)
        statuses.append((no_csrf.status_code, no_csrf.json()["statusCode"]))
    assert statuses == [
        (401, 20), (401, 20), (403, 5), (413, 2), (400, 2), (400, 2), (400, 1), (400, 2),
        (404, 6), (400, 10), (403, 3),
    ]  # fmt: skip
    assert await read_commands(kafka_bootstrap, topics.commands, expected=0) == []


async def test_a_published_command_carries_a_deadline_within_the_publish_bound(
    kafka_bootstrap: str, topics: TopicNames
) -> None:
    reject = vector("reject-record")["request"]
    bound_ns = 2_000_000_000
    async with (
        running_gateway(
            kafka_settings(kafka_bootstrap, topics, publish_timeout_seconds=bound_ns / 1e9)
        ) as base_url,
        httpx.AsyncClient() as http,
    ):
        response = await http.post(
            base_url + reject["path"], json=reject["body"], headers=basic("agent1")
        )
    assert response.json() == {"statusCode": 0}
    [(_, _, value)] = await read_commands(kafka_bootstrap, topics.commands, expected=1)
    command = decode_command(value)
    assert isinstance(command, AgentCommand)
    assert command.accept_by_ns is not None
    assert command.received_at_ns < command.accept_by_ns < command.received_at_ns + bound_ns


async def test_an_acknowledgement_of_an_append_past_the_deadline_is_503_4(
    kafka_bootstrap: str,
    topics: TopicNames,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The gateway's clock is set back a minute, so the broker's append time (its own clock,
    now) is past the deadline the gateway stamps: the acknowledgement must not count."""
    reject = vector("reject-record")["request"]
    wall_clock = time.time_ns
    monkeypatch.setattr(kafka_module, "time_ns", lambda: wall_clock() - 60_000_000_000)
    async with (
        running_gateway(kafka_settings(kafka_bootstrap, topics)) as base_url,
        httpx.AsyncClient() as http,
    ):
        response = await http.post(
            base_url + reject["path"], json=reject["body"], headers=basic("agent1")
        )
    assert response.status_code == 503
    assert response.json() == {
        "statusCode": 4,
        "statusMessage": "The command was not accepted: "
        "the message broker took it too late; it will not be applied",
    }
    [(_, _, value)] = await read_commands(kafka_bootstrap, topics.commands, expected=1)
    late = decode_command(value)
    assert isinstance(late, AgentCommand)
    assert late.accept_by_ns is not None
    assert late.accept_by_ns < wall_clock() - 50_000_000_000  # the worker will dead-letter it
    [skew] = [r for r in caplog.records if r.name == "gateway.kafka" and r.levelname == "ERROR"]
    assert skew.getMessage().startswith("the broker's clock is ahead of this gateway's by")
    assert "synchronise the clocks (NTP)" in skew.getMessage()
