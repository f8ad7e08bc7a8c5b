"""A KRaft node (broker and controller) on 127.0.0.1, run from the fetched jars: alone, or
one of a cluster (`devstack.cluster`).

The JVM never outlives the process that started it (see `processes.spawn`), even when that
process is SIGKILLed.
"""

import base64
import socket
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path

from devstack.bus_users import BusUsers
from devstack.processes import Started, spawn, terminate
from devstack.readiness import wait_for_broker
from devstack.replication import SINGLE, Replication
from service_settings.kafka_connection import KafkaConnection

_LOG4J = Path(__file__).with_name("log4j2.properties")

_SERVER_PROPERTIES = """\
process.roles=broker,controller
node.id={node_id}
{quorum}
listeners={protocol}://127.0.0.1:{port},CONTROLLER://127.0.0.1:{controller_port}
advertised.listeners={protocol}://127.0.0.1:{port}
inter.broker.listener.name={protocol}
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:{protocol},{protocol}:{protocol}
log.dirs={data_dir}
num.partitions=1
default.replication.factor={replication_factor}
min.insync.replicas={min_insync_replicas}
offsets.topic.replication.factor={replication_factor}
transaction.state.log.replication.factor={replication_factor}
transaction.state.log.min.isr={min_insync_replicas}
share.coordinator.state.topic.replication.factor={replication_factor}
share.coordinator.state.topic.min.isr={min_insync_replicas}
group.initial.rebalance.delay.ms=0
offsets.topic.num.partitions=1
transaction.state.log.num.partitions=1
auto.create.topics.enable=false
log.cleaner.backoff.ms=1000
log.cleaner.dedupe.buffer.size=33554432
"""

_FAILOVER_PROPERTIES = """\
broker.session.timeout.ms={session_timeout_ms}
broker.heartbeat.interval.ms={heartbeat_interval_ms}
replica.lag.time.max.ms={replica_lag_ms}
"""
"""A cluster's: how soon a dead node is fenced and a silent follower leaves the ISRs, which is
how long every write to a partition it replicates waits (docs/operations.md, "A cluster")."""


@dataclass(frozen=True)
class Quorum:
    """The controllers every node of a cluster names (static voters), and its identity."""

    cluster_id: str
    controller_ports: tuple[int, ...]
    """Node N's controller listens on `controller_ports[N - 1]`."""
    session_timeout_ms: int = 2000
    heartbeat_interval_ms: int = 250
    replica_lag_ms: int = 2000
    users: BusUsers | None = None
    """With users, an authenticated cluster (SASL, ACLs); without, an open one."""

    @property
    def voters(self) -> str:
        return ",".join(
            f"{node}@127.0.0.1:{port}" for node, port in enumerate(self.controller_ports, 1)
        )

    @property
    def replication(self) -> Replication:
        return Replication.for_cluster_of(len(self.controller_ports))


class BrokerFailed(RuntimeError):
    """The broker did not start or did not become ready; the message holds its log's tail."""


class LocalBroker(Started):
    """Formats (once) and runs a broker whose state lives in `workdir`."""

    def __init__(
        self,
        libs: Path,
        workdir: Path,
        *,
        port: int,
        controller_port: int,
        heap: str = "1g",
        node_id: int = 1,
        quorum: Quorum | None = None,
    ) -> None:
        """Without `quorum`, a cluster of its own (one node); with it, node `node_id` of it."""
        self.libs = libs
        self.workdir = workdir
        self.port = port
        self.controller_port = controller_port
        self.heap = heap
        self.node_id = node_id
        self.quorum = quorum
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def bootstrap_servers(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def users(self) -> BusUsers | None:
        return None if self.quorum is None else self.quorum.users

    @property
    def connection(self) -> KafkaConnection:
        """This node, as its admin reaches it."""
        return KafkaConnection(
            self.bootstrap_servers, None if self.users is None else self.users.admin
        )

    @property
    def log_file(self) -> Path:
        return self.workdir / "logs" / "server.log"

    def start(self, ready_timeout: float = 90.0) -> None:
        """Start the JVM and return once a metadata request lists the broker.

        Call from a thread that outlives the broker (the parent-death signal follows the
        thread that started the JVM)."""
        self.launch()
        self.await_ready(ready_timeout)

    def launch(self) -> None:
        """Format (once) and start the JVM without waiting: a cluster's nodes start together,
        as none is ready before a majority of controllers runs."""
        properties = self.prepare()
        with (self.workdir / "logs" / "jvm.err").open("ab") as jvm_errors:
            self._process = spawn(
                self._command(self.heap, "kafka.Kafka", str(properties)),
                stdout=subprocess.DEVNULL,
                stderr=jvm_errors,
            )

    def await_ready(self, ready_timeout: float = 90.0) -> None:
        """Block until the cluster's metadata, asked of this node, lists this node."""
        try:
            wait_for_broker(
                self.bootstrap_servers,
                ready_timeout,
                login=self.connection.login,
                alive=self.is_running,
                cluster_id=self._cluster_id(),
                node_id=self.node_id,
            )
        except TimeoutError as error:
            self.stop()
            raise BrokerFailed(f"broker not ready: {error}\n{self._log_tail()}") from error

    def prepare(self) -> Path:
        """Check the ports, write the configuration and format the data directory (once);
        returns the configuration's path. Safe from any thread."""
        for port in (self.port, self.controller_port):
            _require_free(port)
        properties = self._write_properties()
        if not (self.workdir / "data" / "meta.properties").exists():
            self._format(properties)
        return properties

    def _format(self, properties: Path) -> None:
        if self.quorum is None:
            self._java("256m", "kafka.tools.StorageTool", "format", "--standalone",
                       f"--cluster-id={new_cluster_id()}", "-c", str(properties))  # fmt: skip
        else:
            scram = [] if self.quorum.users is None else self.quorum.users.scram_credentials()
            self._java("256m", "kafka.tools.StorageTool", "format",
                       f"--cluster-id={self.quorum.cluster_id}", "-c", str(properties),
                       *scram)  # fmt: skip

    def is_running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def pid(self) -> int:
        """The JVM's process id (the soak samples its memory)."""
        if self._process is None:
            raise BrokerFailed("the broker is not running")
        return self._process.pid

    def stop(self, grace_seconds: float = 30.0) -> None:
        """SIGTERM (a clean shutdown), then SIGKILL after the grace period."""
        process, self._process = self._process, None
        if process is not None:
            terminate(process, grace_seconds)

    def release_process(self) -> "subprocess.Popen[bytes] | None":
        """The JVM, which the caller now stops (a cluster stops its nodes together)."""
        process, self._process = self._process, None
        return process

    def kill(self) -> None:
        """SIGKILL: the crash a failure drill wants."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.kill()
            process.wait()

    def _write_properties(self) -> Path:
        (self.workdir / "logs").mkdir(parents=True, exist_ok=True)
        properties = self.workdir / "server.properties"
        quorum = self.quorum
        replication = SINGLE if quorum is None else quorum.replication
        text = _SERVER_PROPERTIES.format(
            node_id=self.node_id,
            quorum=f"controller.quorum.bootstrap.servers=127.0.0.1:{self.controller_port}"
            if quorum is None
            else f"controller.quorum.voters={quorum.voters}",
            port=self.port,
            controller_port=self.controller_port,
            data_dir=(self.workdir / "data").resolve(),
            replication_factor=replication.factor,
            min_insync_replicas=replication.min_insync,
            protocol="PLAINTEXT" if self.users is None else "SASL_PLAINTEXT",
        )
        if self.users is not None:
            text += self.users.server_properties()
        if quorum is not None:
            text += _FAILOVER_PROPERTIES.format(
                session_timeout_ms=quorum.session_timeout_ms,
                heartbeat_interval_ms=quorum.heartbeat_interval_ms,
                replica_lag_ms=quorum.replica_lag_ms,
            )
        properties.write_text(text)
        return properties

    def _command(self, heap: str, main_class: str, *args: str) -> list[str]:
        return [
            "java", f"-Xms{heap}", f"-Xmx{heap}", "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20",
            "-XX:InitiatingHeapOccupancyPercent=35", "-Djava.awt.headless=true",
            f"-Dkafka.logs.dir={(self.workdir / 'logs').resolve()}",
            f"-Dlog4j2.configurationFile={_LOG4J}",
            "-cp", f"{self.libs.resolve()}/*", main_class, *args,
        ]  # fmt: skip

    def run_tool(self, main_class: str, *args: str) -> None:
        """One of Kafka's command-line tools, from this node's jars."""
        self._java("256m", main_class, *args)

    def _java(self, heap: str, main_class: str, *args: str) -> None:
        result = subprocess.run(  # noqa: S603
            self._command(heap, main_class, *args), capture_output=True, text=True, check=False
        )
        if result.returncode != 0:
            raise BrokerFailed(f"{main_class} failed:\n{result.stdout}\n{result.stderr}")

    def _cluster_id(self) -> str:
        meta = (self.workdir / "data" / "meta.properties").read_text()
        return next(
            line.partition("=")[2].strip()
            for line in meta.splitlines()
            if line.startswith("cluster.id=")
        )

    def _log_tail(self, lines: int = 40) -> str:
        if not self.log_file.exists():
            return "(no broker log)"
        return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _require_free(port: int) -> None:
    """Refuse a port somebody listens on. Like the broker's own server socket, the probe uses
    SO_REUSEADDR: connections of a run just stopped linger in TIME_WAIT for a minute and
    must not keep `make run` from starting again."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError as error:
            raise BrokerFailed(
                f"port {port} on 127.0.0.1 is taken: is another broker or stack running?"
            ) from error


def new_cluster_id() -> str:
    return base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
