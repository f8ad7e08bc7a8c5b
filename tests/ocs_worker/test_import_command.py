"""`python -m ocs_worker import` against a running worker on the real broker."""

import asyncio
import os
import sys
import time
from pathlib import Path

import pytest

from outbound_contracts.codec import decode_event
from outbound_contracts.events import UserEventRaised
from outbound_contracts.topics import TopicNames
from tests.ocs_worker.conftest import read_topic, running_worker, send_commands, worker_settings
from tests.ocs_worker.test_kafka_worker import vector_command

pytestmark = pytest.mark.kafka

REPO = Path(__file__).parents[2]
DEMO = REPO / "demo" / "calling-list.csv"


async def run_import(
    bootstrap: str, topics: TopicNames, csv_file: Path, *extra: str
) -> tuple[int, str, str]:
    env = {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
        "OCS_TOPIC_PREFIX": topics.commands.removesuffix("ocs.commands"),
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "ocs_worker",
        "import",
        "--application-id",
        "134",
        "--campaign",
        "Campaign1",
        *extra,
        str(csv_file),
        env=env,
        cwd=REPO,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    async with asyncio.timeout(240):
        out, err = await process.communicate()
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_the_demo_list_imports_once_and_a_rerun_clobbers_nothing(
    kafka_bootstrap: str, topics: TopicNames
) -> None:
    async with running_worker(worker_settings(kafka_bootstrap, topics)):
        code, out, err = await run_import(kafka_bootstrap, topics, DEMO)
        assert (code, out.strip()) == (0, "imported 16 record(s) into 134:Campaign1; skipped 0"), (
            err
        )
        assert "16/16" in err
        code, out, err = await run_import(kafka_bootstrap, topics, DEMO)
        assert (code, out.strip()) == (0, "imported 0 record(s) into 134:Campaign1; skipped 16")
        assert "line 10: skipped: record handle 9 already exists" in err
        # The vectors need handle 9 held by agent1 and 11 (phone 3001, chained) by agent2.
        commands = [
            vector_command("reject-record", "agent1"),
            vector_command("cancel-record", "agent2"),
        ]
        await send_commands(kafka_bootstrap, topics, commands)
        values = await read_topic(kafka_bootstrap, topics.events, expected=4)
    outcomes = [decode_event(v) for v in values]
    acks = [o for o in outcomes if isinstance(o, UserEventRaised)]
    assert [o.notification_type for o in acks] == [
        "RecordRejectAcknowledge",
        "RecordCancelAcknowledge",
    ]


async def test_a_bad_row_is_named_and_nothing_is_sent(
    kafka_bootstrap: str, topics: TopicNames, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.csv"
    lines = DEMO.read_text().splitlines()
    lines[3] = lines[3].replace(",America/Chicago,0,", ",America/Chicago,noon,")
    bad.write_text("\n".join(lines) + "\n")
    code, _, err = await run_import(kafka_bootstrap, topics, bad)
    assert code == 2
    assert "line 4: daily_from: Input should be a valid integer" in err
    assert "nothing imported" in err
    assert await read_topic(kafka_bootstrap, topics.commands, expected=0) == []


@pytest.mark.slow
async def test_an_import_of_100000_records_completes_with_its_progress_shown(
    kafka_bootstrap: str, topics: TopicNames, tmp_path: Path
) -> None:
    big = tmp_path / "big.csv"
    rows = [
        "record_id,chain_id,chain_n,contact_info,contact_info_type,tz_name,daily_from,daily_till,tier"
    ]
    rows += [f"{h},{h // 2},{h % 2},555{h:07d},1,UTC,28800,72000,t{h % 7}" for h in range(100_000)]
    big.write_text("\n".join(rows) + "\n")
    async with running_worker(worker_settings(kafka_bootstrap, topics)) as worker:
        started = time.monotonic()
        code, out, err = await run_import(kafka_bootstrap, topics, big)
        took = time.monotonic() - started
    assert code == 0, err
    assert out.strip() == "imported 100000 record(s) into 134:Campaign1; skipped 0"
    assert "100000/100000" in err
    assert worker.applied == 101  # the definition and 100 batches of 1,000 rows
    print(f"imported 100,000 records in {took:.1f} s")
