"""Commands written straight to `ocs.commands`, encoded with the contract's codec.

Each bench campaign gets one record that agent1 holds (DefineCampaign, ImportRecords,
StartPreviewSession, GetPreviewRecord); UpdateRecord on that record then succeeds every time,
writes the record's new state to the changelog and raises one event: a realistic command that
never exhausts state."""

import time
import uuid
from collections.abc import Iterator

from aiokafka import AIOKafkaProducer

from bench.agent import APPLICATION_ID, CALLING_LIST, DEVICE_ID, USER_NAME
from outbound_contracts.codec import encode
from outbound_contracts.commands import (
    CampaignCommand,
    DefineCampaign,
    GetPreviewRecord,
    ImportRecords,
    StartPreviewSession,
    UpdateRecord,
)
from outbound_contracts.records import CallingListRecord

HELD_RECORD = 1


def campaign_names(count: int) -> list[str]:
    return [f"BenchCampaign{index}" for index in range(count)]


def holding_commands(
    campaign: str, user_name: str = USER_NAME, device_id: str = DEVICE_ID
) -> list[CampaignCommand]:
    """Leaves `HELD_RECORD` of `campaign` held by `user_name` (agent1 by default)."""
    record = CallingListRecord(
        record_handle=HELD_RECORD,
        calling_list=CALLING_LIST,
        chain_id=1,
        chain_n=0,
        phone="5550101",
        time_zone="America/New_York",
    )
    return [
        DefineCampaign(
            command_id=_new_id(),
            application_id=APPLICATION_ID,
            campaign_name=campaign,
            calling_lists=[CALLING_LIST],
        ),
        ImportRecords(
            command_id=_new_id(),
            application_id=APPLICATION_ID,
            campaign_name=campaign,
            first_line=2,
            records=[record],
        ),
        StartPreviewSession(
            command_id=_new_id(),
            application_id=APPLICATION_ID,
            campaign_name=campaign,
            user_name=user_name,
            device_id=device_id,
            received_at_ns=time.time_ns(),
        ),
        GetPreviewRecord(
            command_id=_new_id(),
            application_id=APPLICATION_ID,
            campaign_name=campaign,
            user_name=user_name,
            device_id=device_id,
            received_at_ns=time.time_ns(),
        ),
    ]


def updates(campaigns: list[str], count: int) -> Iterator[UpdateRecord]:
    """`count` UpdateRecord commands, round-robin over `campaigns`."""
    for index in range(count):
        yield UpdateRecord(
            command_id=_new_id(),
            application_id=APPLICATION_ID,
            campaign_name=campaigns[index % len(campaigns)],
            user_name=USER_NAME,
            device_id=DEVICE_ID,
            reference_id=f"{index}:0",
            received_at_ns=time.time_ns(),
            record_handle=HELD_RECORD,
            calling_list=CALLING_LIST,
            phone_number="5550101",
        )


async def write_commands(bootstrap: str, topic: str, commands: list[CampaignCommand]) -> None:
    """acks=all, in order per campaign (idempotent producer)."""
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, acks="all", enable_idempotence=True, linger_ms=5
    )
    await producer.start()
    try:
        pending = [
            await producer.send(topic, encode(command), key=command.partition_key)
            for command in commands
        ]
        for delivery in pending:
            await delivery
    finally:
        await producer.stop()


def _new_id() -> str:
    return uuid.uuid4().hex
