"""The README's run command: everything comes up, Ctrl-C stops it all, nothing is left."""

import json
import os
import pty
import re
import select
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from devstack.broker import free_port
from tests.kafka import CACHE_DIR, REPO
from tests.processes import is_alive, pids_mentioning

pytestmark = pytest.mark.kafka


def run_environment(state: Path, gateway_port: int) -> dict[str, str]:
    """`make run`'s environment on free ports, its state in `state`, its own broker."""
    return {
        **{k: v for k, v in os.environ.items() if k != "KAFKA_BOOTSTRAP_SERVERS"},
        "DEVSTACK_CACHE_DIR": str(CACHE_DIR),
        "DEVSTACK_STATE_DIR": str(state),
        "DEVSTACK_BROKER_PORT": str(free_port()),
        "DEVSTACK_CONTROLLER_PORT": str(free_port()),
        "DEVSTACK_GATEWAY_PORT": str(gateway_port),
        "DEVSTACK_NOTIFIER_PORT": str(free_port()),
        "DEVSTACK_WORKER_PORT": str(free_port()),
        "DEVSTACK_BROKER_HEAP": "512m",
    }


def run_command(*arguments: str, env: dict[str, str]) -> "subprocess.Popen[str]":
    """`python -m devstack run ARGUMENTS`, its output (stdout and stderr) to read."""
    return subprocess.Popen(
        [sys.executable, "-m", "devstack", "run", *arguments],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def until_the_banner(stack: "subprocess.Popen[str]") -> list[str]:
    """The stack's lines up to its banner's last."""
    assert stack.stdout is not None
    output = []
    for line in stack.stdout:
        output.append(line)
        if line.startswith("Ctrl-C stops everything"):
            break
    return output


def test_run_starts_the_stack_and_ctrl_c_stops_every_process(tmp_path: Path) -> None:
    state = tmp_path / "state"
    state.mkdir()
    gateway_port = free_port()
    (state / "left-over").write_text("from an earlier run")
    env = run_environment(state, gateway_port)
    with run_command("--reset", env=env) as stack:
        try:
            output = until_the_banner(stack)
            transcript = "".join(output)
            assert any(line.startswith("ready in") for line in output), transcript
            assert "broker ready at 127.0.0.1:" in transcript, transcript
            assert "topics ready: ocs.commands" in transcript
            worker_metrics = f"http://127.0.0.1:{env['DEVSTACK_WORKER_PORT']}/metrics"
            with urllib.request.urlopen(worker_metrics, timeout=5) as scraped:
                assert b"ocs_worker_commands_applied_total" in scraped.read()
            assert not (state / "left-over").exists(), "--reset keeps old state"
            children = [int(pid) for pid in re.findall(r"\(pid (\d+)\)", transcript)]
            [jvm] = pids_mentioning(str(state))
            desktop = f"http://127.0.0.1:{gateway_port}/desktop/"
            with urllib.request.urlopen(desktop, timeout=10) as page:
                assert b"Outbound agent desktop" in page.read()

            stack.send_signal(signal.SIGINT)
            rest, _ = stack.communicate(timeout=60)
        finally:
            stack.kill()
    assert stack.returncode == 0, rest
    assert "stopped: no process of this stack is left running" in rest
    assert f"agent desktop      : {desktop}" in transcript
    for pid in [jvm, *children]:
        assert not is_alive(pid), f"process {pid} outlived Ctrl-C"


def test_in_a_terminal_run_shows_one_line_per_event_and_logs_json_to_files(
    tmp_path: Path,
) -> None:
    state = tmp_path / "state"
    terminal, service_side = pty.openpty()
    with subprocess.Popen(
        [sys.executable, "-m", "devstack", "run"],
        cwd=REPO,
        env=run_environment(state, free_port()),
        stdout=service_side,
        stderr=service_side,
    ) as stack:
        os.close(service_side)
        try:
            shown = read_terminal(terminal, until="Ctrl-C stops everything", within_s=120)
            stack.send_signal(signal.SIGINT)
            shown += read_terminal(terminal, until="stopped: no process", within_s=60)
            assert stack.wait(timeout=60) == 0, shown
        finally:
            stack.kill()
            os.close(terminal)
    lines = shown.splitlines()
    assert re.search(r"^ +gateway \| producer connected topic=ocs\.commands", shown, re.M), shown
    assert not [line for line in lines if line.startswith("{")], shown  # no raw JSON
    logs = state / "logs"
    assert f"full JSON logs     : {logs}/{{ocs_worker,notifier,gateway}}.log" in shown
    gateway_log = [json.loads(line) for line in (logs / "gateway.log").read_text().splitlines()]
    assert any(entry["msg"] == "producer connected" for entry in gateway_log)


def read_terminal(terminal: int, *, until: str, within_s: float) -> str:
    """What the terminal shows until a line contains `until`, waiting at most `within_s`."""
    shown = b""
    deadline = time.monotonic() + within_s
    while until.encode() not in shown:
        remaining = deadline - time.monotonic()
        assert remaining > 0, f"no {until!r} within {within_s} s:\n{shown.decode(errors='replace')}"
        readable, _, _ = select.select([terminal], [], [], remaining)
        if readable:
            try:
                shown += os.read(terminal, 65536)
            except OSError:  # the other side closed: everything was read
                break
    return shown.decode(errors="replace").replace("\r\n", "\n")
