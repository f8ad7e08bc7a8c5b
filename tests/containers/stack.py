"""A compose project of the repository's files, run by the Compose v2 binary that
deploy/engine.sh provides (`GWS_COMPOSE`), on ports of its own, bound to 127.0.0.1."""

import os
import secrets
import signal
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from devstack.broker import free_port
from tests.conftest import TEST_PARTITIONS
from tests.kafka import REPO
from tests.system.conftest import NOTIFICATIONS_PATH

SINGLE = (REPO / "docker-compose.yml",)
SCALED = (*SINGLE, REPO / "docker-compose.scaled.yml")
SERVICE_SETTINGS = "WORKER_SESSION_TIMEOUT_MS=6000\nWORKER_HEARTBEAT_INTERVAL_MS=1000\n"
"""A SIGKILLed worker's partitions move on after 6 s (the broker's minimum), as in the drills."""


def compose_binary() -> str:
    binary = os.environ.get("GWS_COMPOSE", "")
    if not Path(binary).is_file():
        pytest.fail("no Compose v2 binary: run these tests with `make test-containers`")
    return binary


@dataclass
class Stack:
    files: tuple[Path, ...]
    workdir: Path
    project: str = field(default_factory=lambda: f"gwsct{secrets.token_hex(4)}")
    gateway_port: int = field(default_factory=free_port)
    notifier_port: int = field(default_factory=free_port)
    kafka_port: int = field(default_factory=free_port)
    other_kafka_ports: tuple[int, int] = field(default_factory=lambda: (free_port(), free_port()))
    """Nodes 2 and 3 of the scaled profile's cluster (their EXTERNAL listeners)."""

    def __post_init__(self) -> None:
        settings = self.workdir / "services.env"
        settings.write_text(SERVICE_SETTINGS)
        self.env = {
            **os.environ,
            "GWS_SESSION_SECRET": secrets.token_urlsafe(32),
            # The demo users, asked for as `make compose-up` does: compose has no default.
            "GWS_USERS_FILE": "/app/demo/users.json",
            "GWS_ENV_FILE": str(settings),
            "GATEWAY_PUBLISHED_PORT": str(self.gateway_port),
            "NOTIFIER_PUBLISHED_PORT": str(self.notifier_port),
            "KAFKA_PUBLISHED_PORT": str(self.kafka_port),
            "KAFKA_2_PUBLISHED_PORT": str(self.other_kafka_ports[0]),
            "KAFKA_3_PUBLISHED_PORT": str(self.other_kafka_ports[1]),
            # As many as the test helpers that read the topics from the host expect.
            "COMMAND_PARTITIONS": str(TEST_PARTITIONS),
            "EVENT_PARTITIONS": str(TEST_PARTITIONS),
        }

    @property
    def gateway_url(self) -> str:
        return f"http://127.0.0.1:{self.gateway_port}"

    @property
    def cometd_url(self) -> str:
        # `localhost`, not 127.0.0.1: aiohttp (under aiocometd) keeps no cookies of an IP
        # address, and the balancer's affinity is a cookie.
        return f"http://localhost:{self.notifier_port}{NOTIFICATIONS_PATH}"

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.kafka_port}"

    def compose(self, *args: str, timeout: float = 600, **environment: str) -> str:
        """`compose ARGS` (with the demo profile) in the stack's environment and `environment`."""
        files = [arg for path in self.files for arg in ("-f", str(path))]
        command = [compose_binary(), *files, "-p", self.project, "--profile", "demo", *args]
        done = subprocess.run(
            command,
            env={**self.env, **environment},
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        assert done.returncode == 0, f"compose {' '.join(args)}:\n{done.stdout}{done.stderr}"
        return done.stdout

    def up(self, *args: str) -> None:
        self.compose("up", "-d", "--wait", *args)

    def down(self) -> None:
        (self.workdir / "compose.log").write_text(self.compose("logs", "--no-color"))
        self.compose("--profile", "loadtest", "down", "--volumes", "--remove-orphans")

    def containers(self, service: str) -> list[str]:
        return self.compose("ps", "-q", service).split()

    def sigkill(self, container: str) -> None:
        """SIGKILL of the container's main process from the host, as a crash would (the
        engine then restarts it by its restart policy)."""
        pid = docker("inspect", "--format", "{{.State.Pid}}", container).strip()
        os.kill(int(pid), signal.SIGKILL)


def docker(*args: str) -> str:
    done = subprocess.run(
        ["docker", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, f"docker {' '.join(args)}:\n{done.stdout}{done.stderr}"
    return done.stdout
