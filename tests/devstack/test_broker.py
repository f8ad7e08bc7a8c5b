import asyncio
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from devstack.broker import BrokerFailed, LocalBroker, free_port
from devstack.kafka_dist import ensure_kafka_libs
from devstack.readiness import wait_for_broker
from tests.eventually import eventually
from tests.kafka import CACHE_DIR
from tests.processes import is_alive, pids_mentioning

pytestmark = pytest.mark.kafka


def test_the_fetched_jars_are_one_kafka_with_one_log_binding() -> None:
    libs = ensure_kafka_libs(CACHE_DIR)
    names = {jar.name for jar in libs.glob("*.jar")}
    assert "kafka_2.13-4.3.1.jar" in names
    assert "kafka-tools-4.3.1.jar" in names
    assert [n for n in names if n.startswith("slf4j-api-")] == ["slf4j-api-1.7.36.jar"]
    assert any(n.startswith("log4j-slf4j-impl-") for n in names)


def test_a_started_broker_is_listed_and_a_stopped_one_leaves_no_jvm(tmp_path: Path) -> None:
    broker = LocalBroker(
        ensure_kafka_libs(CACHE_DIR),
        tmp_path,
        port=free_port(),
        controller_port=free_port(),
        heap="512m",
    )
    broker.start()
    try:
        wait_for_broker(broker.bootstrap_servers, timeout=5)
        [jvm] = pids_mentioning(str(tmp_path))
    finally:
        broker.stop()
    assert not is_alive(jvm)
    assert broker.log_file.exists()


def test_a_taken_port_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    import socket

    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        taken = holder.getsockname()[1]
        broker = LocalBroker(
            ensure_kafka_libs(CACHE_DIR), tmp_path, port=taken, controller_port=free_port()
        )
        with pytest.raises(BrokerFailed, match=f"port {taken}"):
            broker.start()


def test_the_jvm_dies_when_its_parent_is_killed(tmp_path: Path) -> None:
    script = textwrap.dedent(
        """
        import os, time
        from pathlib import Path
        from devstack.broker import LocalBroker, free_port
        broker = LocalBroker(Path(os.environ["LIBS"]), Path(os.environ["WORKDIR"]),
                             port=free_port(), controller_port=free_port(), heap="512m")
        broker.start()
        print("ready", flush=True)
        time.sleep(600)
        """
    )
    env = {**os.environ, "LIBS": str(ensure_kafka_libs(CACHE_DIR)), "WORKDIR": str(tmp_path)}
    with subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, env=env
    ) as parent:
        try:
            assert parent.stdout is not None
            assert parent.stdout.readline().strip() == "ready"
            [jvm] = pids_mentioning(str(tmp_path))
            os.kill(parent.pid, signal.SIGKILL)
            parent.wait()
            asyncio.run(eventually(lambda: not is_alive(jvm), within=15, what="the JVM ended"))
        finally:
            parent.kill()


def test_a_relative_cache_dir_is_filled_where_it_points(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`make run` passes the relative `.cache`; the jars must land there, not beside the POM."""
    monkeypatch.chdir(tmp_path)
    libs = ensure_kafka_libs(Path("relative-cache"))
    assert libs == tmp_path / "relative-cache" / "kafka-4.3.1" / "libs"
    assert (libs / "kafka_2.13-4.3.1.jar").exists()


def test_a_port_left_in_time_wait_by_a_stopped_run_counts_as_free(tmp_path: Path) -> None:
    """`make run` right after Ctrl-C: the last run's connections are in TIME_WAIT."""
    import socket

    with socket.socket() as listener:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        with socket.create_connection(("127.0.0.1", port)) as client:
            accepted, _ = listener.accept()
            accepted.close()  # the server side closes first: its port enters TIME_WAIT
            client.recv(1)
    broker = LocalBroker(
        ensure_kafka_libs(CACHE_DIR), tmp_path, port=port, controller_port=free_port(), heap="512m"
    )
    broker.start()
    try:
        wait_for_broker(broker.bootstrap_servers, timeout=5)
    finally:
        broker.stop()
