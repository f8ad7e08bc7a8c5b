"""`make run ARGS="--brokers 3"`: an authenticated bus (SASL/SCRAM, a Kafka user per service,
ACLs) on which the stack serves a command, a wrong password is refused by name, and a service
cannot write a topic it does not own. Real brokers, real clients."""

import json
import socket
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.errors import KafkaConnectionError, TopicAuthorizationFailedError
from pydantic import SecretStr

from devstack.broker import free_port
from outbound_contracts.topics import TopicNames
from service_settings.base import ServiceSettings
from service_settings.kafka_connection import KafkaConnection
from tests.devstack.test_run_command import run_command, run_environment, until_the_banner

pytestmark = [pytest.mark.kafka, pytest.mark.slow, pytest.mark.cluster, pytest.mark.timeout(600)]

REJECT = {
    "operationName": "RejectRecord",
    "devicePath": "/devices/2b00393c-9ad3-418f-8b3d-a06cbe8af395",
    "callingList": "CallingList1",
    "applicationId": 134,
    "campaignName": "Campaign1",
    "referenceId": "1",
}


def free_port_run(length: int) -> int:
    """The first of `length` consecutive free ports (`make run` numbers its nodes' ports)."""
    while True:
        first = free_port()
        if all(_is_free(first + offset) for offset in range(1, length)):
            return first


def _is_free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


@dataclass(frozen=True)
class Stack:
    gateway: str
    bootstrap_servers: str
    passwords: dict[str, str]

    def connection(self, user: str, password: str | None = None) -> KafkaConnection:
        """As a service signs in: through its settings, from the variables `make run` sets."""
        settings = ServiceSettings(
            kafka_bootstrap_servers=self.bootstrap_servers,
            kafka_security_protocol="SASL_PLAINTEXT",
            kafka_sasl_username=user,
            kafka_sasl_password=SecretStr(password or self.passwords[user]),
        )
        return settings.kafka


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """`python -m devstack run --brokers 3` on free ports, up until the module's tests end."""
    state = tmp_path_factory.mktemp("cluster-stack")
    gateway_port = free_port()
    env = {
        **run_environment(state, gateway_port),
        "DEVSTACK_BROKERS": "3",
        "DEVSTACK_BROKER_PORT": str(free_port_run(3)),
        "DEVSTACK_CLUSTER_CONTROLLER_PORT": str(free_port_run(3)),
    }
    with run_command("--brokers", "3", env=env) as running:
        try:
            output = until_the_banner(running)
            transcript = "".join(output)
            assert any(line.startswith("ready in") for line in output), transcript
            assert "Kafka users and ACLs ready" in transcript, transcript
            assert "(replication factor 3, min ISR 2)" in transcript, transcript
            users = state / "cluster" / "kafka-users.json"
            assert users.stat().st_mode & 0o077 == 0, "the passwords file is for its owner only"
            base = int(env["DEVSTACK_BROKER_PORT"])
            yield Stack(
                f"http://127.0.0.1:{gateway_port}",
                ",".join(f"127.0.0.1:{base + node}" for node in range(3)),
                json.loads(users.read_text()),
            )
        finally:
            running.terminate()
            running.communicate(timeout=90)


def test_the_authenticated_stack_serves_a_command(stack: Stack) -> None:
    request = urllib.request.Request(
        f"{stack.gateway}/api/v2/me/outbound-records/9",
        data=json.dumps(REJECT).encode(),
        headers={"Content-Type": "application/json", "Authorization": "Basic YWdlbnQxOnBhc3N3b3Jk"},
    )
    with urllib.request.urlopen(request, timeout=30) as reply:
        assert json.loads(reply.read())["statusCode"] == 0


async def test_a_wrong_password_is_refused_as_an_authentication_failure(
    stack: Stack, caplog: pytest.LogCaptureFixture
) -> None:
    consumer = AIOKafkaConsumer(
        **stack.connection("notifier", "not-its-password").client_kwargs(),
        request_timeout_ms=5000,
    )
    with pytest.raises(KafkaConnectionError):
        await consumer.start()
    await consumer.stop()
    assert "Authentication failed" in caplog.text, caplog.text


async def test_the_notifier_may_read_events_but_not_write_commands(stack: Stack) -> None:
    topics = TopicNames()
    producer = AIOKafkaProducer(**stack.connection("notifier").client_kwargs())
    await producer.start()
    try:
        with pytest.raises(TopicAuthorizationFailedError):
            await producer.send_and_wait(topics.commands, b"{}")
    finally:
        await producer.stop()
    reader = AIOKafkaConsumer(
        topics.events, **stack.connection("notifier").client_kwargs(), auto_offset_reset="earliest"
    )
    await reader.start()
    try:
        assert await reader.getmany(timeout_ms=10_000), "the demo import's events"
    finally:
        await reader.stop()


async def test_the_gateway_may_not_write_events(stack: Stack) -> None:
    topics = TopicNames()
    producer = AIOKafkaProducer(**stack.connection("gateway").client_kwargs())
    await producer.start()
    try:
        with pytest.raises(TopicAuthorizationFailedError):
            await producer.send_and_wait(topics.events, b"{}")
    finally:
        await producer.stop()
