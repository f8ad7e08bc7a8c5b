"""The README's run command: everything comes up, Ctrl-C stops it all, nothing is left."""

import os
import re
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from devstack.broker import free_port
from tests.kafka import CACHE_DIR, REPO
from tests.processes import is_alive, pids_mentioning

pytestmark = pytest.mark.kafka


def test_run_starts_the_stack_and_ctrl_c_stops_every_process(tmp_path: Path) -> None:
    state = tmp_path / "state"
    state.mkdir()
    (state / "left-over").write_text("from an earlier run")
    env = {
        **{k: v for k, v in os.environ.items() if k != "KAFKA_BOOTSTRAP_SERVERS"},
        "DEVSTACK_CACHE_DIR": str(CACHE_DIR),
        "DEVSTACK_STATE_DIR": str(state),
        "DEVSTACK_BROKER_PORT": str(free_port()),
        "DEVSTACK_CONTROLLER_PORT": str(free_port()),
        "DEVSTACK_GATEWAY_PORT": str(free_port()),
        "DEVSTACK_NOTIFIER_PORT": str(free_port()),
        "DEVSTACK_WORKER_PORT": str(free_port()),
        "DEVSTACK_BROKER_HEAP": "512m",
    }
    output: list[str] = []
    with subprocess.Popen(
        [sys.executable, "-m", "devstack", "run", "--reset"],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    ) as stack:
        assert stack.stdout is not None
        try:
            for line in stack.stdout:
                output.append(line)
                if line.startswith("ready in"):
                    break
            transcript = "".join(output)
            assert output[-1:] != [], transcript
            assert output[-1].startswith("ready in"), transcript
            assert "broker ready at 127.0.0.1:" in transcript, transcript
            assert "topics ready: ocs.commands" in transcript
            worker_metrics = f"http://127.0.0.1:{env['DEVSTACK_WORKER_PORT']}/metrics"
            with urllib.request.urlopen(worker_metrics, timeout=5) as scraped:
                assert b"ocs_worker_commands_applied_total" in scraped.read()
            assert not (state / "left-over").exists(), "--reset keeps old state"
            children = [int(pid) for pid in re.findall(r"\(pid (\d+)\)", transcript)]
            [jvm] = pids_mentioning(str(state))

            stack.send_signal(signal.SIGINT)
            rest, _ = stack.communicate(timeout=60)
        finally:
            stack.kill()
    assert stack.returncode == 0, rest
    assert "stopped: no process of this stack is left running" in rest
    for pid in [jvm, *children]:
        assert not is_alive(pid), f"process {pid} outlived Ctrl-C"
