"""Calling windows on the real broker, at whatever time the test runs: the windows are set
around the real clock (open now, opening in 20 minutes), the calling list's window is set by
the import command, and the commands carry the gateway's receipt time as the real now."""

import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from outbound_contracts.commands import GetPreviewRecord, StartPreviewSession
from outbound_contracts.events import CommandFailed, UserEventRaised
from outbound_contracts.topics import TopicNames
from outbound_contracts.vocabulary import RecordStatus
from tests.ocs_worker.builders import APP, CAMPAIGN, agent
from tests.ocs_worker.conftest import read_topic, running_worker, send_commands, worker_settings
from tests.ocs_worker.stream import restored_state
from tests.ocs_worker.test_import_command import run_import
from tests.ocs_worker.test_kafka_worker import agent_events

pytestmark = pytest.mark.kafka

ZONE = "Asia/Kathmandu"  # UTC+5:45: a window on whole hours in UTC would not do
DAY = 86400


def window(start: int, length: int) -> tuple[int, int]:
    """`[start, start + length)` seconds after local midnight, wrapped past midnight."""
    return start % DAY, (start + length) % DAY


async def test_only_the_record_inside_both_windows_now_is_handed_out(
    kafka_bootstrap: str, topics: TopicNames, tmp_path: Path
) -> None:
    local = datetime.now(ZoneInfo(ZONE))
    now = local.hour * 3600 + local.minute * 60 + local.second
    open_now, opens_later = window(now - 600, 1200), window(now + 1200, 1200)
    header = (
        "record_id,chain_id,chain_n,contact_info,contact_info_type,tz_name,daily_from,daily_till"
    )
    own_windows = tmp_path / "own-windows.csv"
    own_windows.write_text(
        f"{header}\n"
        f"1,1,0,5550001,1,{ZONE},{opens_later[0]},{opens_later[1]}\n"  # the first chain: later
        f"2,2,0,5550002,1,{ZONE},{open_now[0]},{open_now[1]}\n"
    )
    list_window = tmp_path / "list-window.csv"
    list_window.write_text(f"{header}\n3,3,0,5550003,1,{ZONE},0,86400\n")
    settings = worker_settings(kafka_bootstrap, topics)
    async with running_worker(settings):
        assert (await run_import(kafka_bootstrap, topics, own_windows))[0] == 0
        code, _, err = await run_import(
            kafka_bootstrap,
            topics,
            list_window,
            "--calling-list",
            "CallingList2",
            "--time-from",
            str(opens_later[0]),
            "--time-until",
            str(opens_later[1]),
        )
        assert code == 0, err
        asks = [agent(GetPreviewRecord, received_at_ns=time.time_ns()) for _ in range(2)]
        start = agent(StartPreviewSession, received_at_ns=time.time_ns())
        await send_commands(kafka_bootstrap, topics, [start, *asks])
        values = await read_topic(kafka_bootstrap, topics.events, expected=5)
    _, handed, refused = agent_events(values)
    assert isinstance(handed, UserEventRaised)
    assert handed.user_data["GSW_RECORD_HANDLE"] == 2
    assert isinstance(refused, CommandFailed)
    assert refused.error_code == 107
    campaign = (await restored_state(kafka_bootstrap, topics)).campaigns[(APP, CAMPAIGN)]
    assert campaign.records[2].record_status is RecordStatus.RETRIEVED
    for waiting in (1, 3):
        assert campaign.records[waiting].record_status is RecordStatus.READY
        assert campaign.records[waiting].attempts == 0
    assert campaign.rules_of("CallingList2").time_from == opens_later[0]
