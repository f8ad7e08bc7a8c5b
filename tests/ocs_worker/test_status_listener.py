"""The worker's `/metrics`, `/healthz`, `/readyz` on the real broker: what a batch with a good
command and a poison one shows, Prometheus's linter content, and the port closed after stop."""

import httpx
import pytest
from aiokafka import AIOKafkaProducer

from outbound_contracts.topics import TopicNames
from tests.eventually import eventually
from tests.ocs_worker.builders import define
from tests.ocs_worker.conftest import InProcessWorker, read_topic, send_commands, worker_settings
from tests.promtool import promtool_problems

pytestmark = pytest.mark.kafka


def sample(exposition: str, series: str) -> float:
    """The value of one series (`name{labels}` exactly as exposed); -1 when it is absent."""
    for line in exposition.splitlines():
        if line.startswith(series + " "):
            return float(line.rsplit(" ", 1)[1])
    return -1


async def test_the_listener_reports_applied_commands_dead_letters_and_lag(
    kafka_bootstrap: str, topics: TopicNames
) -> None:
    worker = InProcessWorker(worker_settings(kafka_bootstrap, topics))
    try:
        async with httpx.AsyncClient(base_url=worker.status_url) as http:
            assert (await http.get("/healthz")).status_code == 200

            async def ready() -> bool:
                return (await http.get("/readyz")).status_code == 200

            await eventually(ready, within=60)
            await send_commands(kafka_bootstrap, topics, [define()])
            async with AIOKafkaProducer(bootstrap_servers=kafka_bootstrap) as producer:
                await producer.send_and_wait(topics.commands, b"{not json", b"134:Campaign1")
            await read_topic(kafka_bootstrap, topics.dead_letter, expected=1)

            async def both_counted() -> bool:
                text = (await http.get("/metrics")).text
                applied = 'ocs_worker_commands_applied_total{type="DefineCampaign"}'
                dead = 'ocs_worker_dead_letters_total{reason="undecodable"}'
                return sample(text, applied) == 1 and sample(text, dead) == 1

            await eventually(both_counted, within=30)
            exposition = (await http.get("/metrics")).text
    finally:
        await worker.stop()

    assert sample(exposition, 'ocs_worker_transactions_total{result="committed"}') >= 1
    assert sample(exposition, "ocs_worker_transaction_duration_seconds_count") >= 1
    assert sample(exposition, "ocs_worker_restore_duration_seconds_count") == 1
    assert sample(exposition, "ocs_worker_owned_partitions") == 3
    lags = [line for line in exposition.splitlines() if line.startswith("ocs_worker_consumer_lag")]
    assert lags, "no partition's lag is reported"
    assert all(line.endswith(" 0.0") for line in lags), lags  # all applied
    assert promtool_problems(exposition) == ""
    async with httpx.AsyncClient(base_url=worker.status_url) as http:
        with pytest.raises(httpx.ConnectError):
            await http.get("/healthz")
