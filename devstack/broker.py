"""A single-node KRaft broker on 127.0.0.1, run from the fetched jars.

The JVM never outlives the process that started it (see `processes.spawn`), even when that
process is SIGKILLed.
"""

import base64
import socket
import subprocess
import uuid
from pathlib import Path
from types import TracebackType

from devstack.processes import spawn, terminate
from devstack.readiness import wait_for_broker

_LOG4J = Path(__file__).with_name("log4j2.properties")

_SERVER_PROPERTIES = """\
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=127.0.0.1:{controller_port}
listeners=PLAINTEXT://127.0.0.1:{port},CONTROLLER://127.0.0.1:{controller_port}
advertised.listeners=PLAINTEXT://127.0.0.1:{port}
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs={data_dir}
num.partitions=1
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
offsets.topic.num.partitions=1
transaction.state.log.num.partitions=1
auto.create.topics.enable=false
log.cleaner.backoff.ms=1000
log.cleaner.dedupe.buffer.size=33554432
"""


class BrokerFailed(RuntimeError):
    """The broker did not start or did not become ready; the message holds its log's tail."""


class LocalBroker:
    """Formats (once) and runs a broker whose state lives in `workdir`."""

    def __init__(
        self,
        libs: Path,
        workdir: Path,
        *,
        port: int,
        controller_port: int,
        heap: str = "1g",
    ) -> None:
        self.libs = libs
        self.workdir = workdir
        self.port = port
        self.controller_port = controller_port
        self.heap = heap
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def bootstrap_servers(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def log_file(self) -> Path:
        return self.workdir / "logs" / "server.log"

    def start(self, ready_timeout: float = 90.0) -> None:
        """Start the JVM and return once a metadata request lists the broker.

        Call from a thread that outlives the broker (the parent-death signal follows the
        thread that started the JVM)."""
        for port in (self.port, self.controller_port):
            _require_free(port)
        properties = self._write_properties()
        if not (self.workdir / "data" / "meta.properties").exists():
            self._java("256m", "kafka.tools.StorageTool", "format", "--standalone",
                       f"--cluster-id={_new_cluster_id()}", "-c", str(properties))  # fmt: skip
        with (self.workdir / "logs" / "jvm.err").open("ab") as jvm_errors:
            self._process = spawn(
                self._command(self.heap, "kafka.Kafka", str(properties)),
                stdout=subprocess.DEVNULL,
                stderr=jvm_errors,
            )
        try:
            wait_for_broker(
                self.bootstrap_servers,
                ready_timeout,
                alive=self.is_running,
                cluster_id=self._cluster_id(),
            )
        except TimeoutError as error:
            self.stop()
            raise BrokerFailed(f"broker not ready: {error}\n{self._log_tail()}") from error

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

    def kill(self) -> None:
        """SIGKILL: the crash a failure drill wants."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.kill()
            process.wait()

    def __enter__(self) -> "LocalBroker":
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def _write_properties(self) -> Path:
        (self.workdir / "logs").mkdir(parents=True, exist_ok=True)
        properties = self.workdir / "server.properties"
        properties.write_text(
            _SERVER_PROPERTIES.format(
                port=self.port,
                controller_port=self.controller_port,
                data_dir=(self.workdir / "data").resolve(),
            )
        )
        return properties

    def _command(self, heap: str, main_class: str, *args: str) -> list[str]:
        return [
            "java", f"-Xms{heap}", f"-Xmx{heap}", "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20",
            "-XX:InitiatingHeapOccupancyPercent=35", "-Djava.awt.headless=true",
            f"-Dkafka.logs.dir={(self.workdir / 'logs').resolve()}",
            f"-Dlog4j2.configurationFile={_LOG4J}",
            "-cp", f"{self.libs.resolve()}/*", main_class, *args,
        ]  # fmt: skip

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


def _new_cluster_id() -> str:
    return base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
