"""A broker counts as ready once a metadata request lists a broker, not when its port opens."""

import asyncio
import socket
import time
from collections.abc import Callable

from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError

from service_settings.kafka_connection import KafkaConnection, KafkaLogin


def wait_for_broker(
    bootstrap_servers: str,
    timeout: float,
    alive: Callable[[], bool] = lambda: True,
    cluster_id: str | None = None,
    node_id: int | None = None,
    *,
    login: KafkaLogin | None = None,
) -> None:
    """Block until the cluster metadata lists a broker (of `cluster_id`, when given, so that
    another broker that took the port does not count; node `node_id`, when given, so that a
    node that restarts into a running cluster counts once the cluster knows it again);
    TimeoutError after `timeout` seconds. `login` signs in to an authenticated cluster."""
    connection = KafkaConnection(bootstrap_servers, login)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not alive():
            raise TimeoutError(f"the broker process for {bootstrap_servers} exited")
        if _port_open(bootstrap_servers) and asyncio.run(
            _lists_a_broker(connection, cluster_id, node_id)
        ):
            return
        time.sleep(0.2)
    raise TimeoutError(f"no broker listed at {bootstrap_servers} within {timeout:.0f} s")


def _port_open(bootstrap_servers: str) -> bool:
    host, _, port = bootstrap_servers.split(",", 1)[0].rpartition(":")
    try:
        with socket.create_connection((host, int(port)), timeout=1):
            return True
    except OSError:
        return False


async def _lists_a_broker(
    connection: KafkaConnection, cluster_id: str | None, node_id: int | None
) -> bool:
    admin = AIOKafkaAdminClient(**connection.client_kwargs(), request_timeout_ms=3000)
    try:
        await admin.start()
        cluster = await admin.describe_cluster()
    except (KafkaError, OSError, TimeoutError):
        return False
    finally:
        await admin.close()
    if cluster_id is not None and cluster.get("cluster_id") != cluster_id:
        return False
    brokers = cluster.get("brokers") or []
    if node_id is not None:
        return any(broker["node_id"] == node_id for broker in brokers)
    return bool(brokers)
