"""`python -m gateway`: the add-user command, fail-fast settings, and serving as a process."""

import asyncio
import io
import json
import os
import signal
import subprocess
import sys
from functools import partial
from pathlib import Path

import httpx
import pytest

from agent_access.identity import UserDirectory
from agent_access.session import SESSION_COOKIE
from devstack.broker import free_port
from gateway.__main__ import main
from gateway.kafka import InMemoryPublisher
from outbound_contracts.topics import TopicNames
from tests.eventually import eventually
from tests.gateway.conftest import (
    USERS_FILE,
    basic,
    read_commands,
    running_gateway,
    settings,
    vector,
)
from tests.kafka import REPO
from tests.serving import answers_ready


def add_user(users_file: Path, *arguments: str, password: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gateway", "add-user", "--users-file", str(users_file), *arguments],
        input=password + "\n",
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_add_user_writes_a_hashed_password_that_authenticates(tmp_path: Path) -> None:
    users_file = tmp_path / "users.json"
    users_file.write_bytes(USERS_FILE.read_bytes())
    done = add_user(
        users_file,
        "agent7",
        "--device",
        "dev-4:7004",
        "--device",
        "dev-5",
        "--feature",
        "api-voice-outbound",
        "--password-stdin",
        password="s3cret word, longer",
    )
    assert done.returncode == 0, done.stderr
    assert "s3cret" not in users_file.read_text()
    directory = UserDirectory.load(users_file)
    account = directory.authenticate("agent7", "s3cret word, longer")
    assert account is not None
    assert [(d.id, d.phone_number) for d in account.devices] == [("dev-4", "7004"), ("dev-5", "")]
    assert account.has_feature("api-voice-outbound")
    assert directory.authenticate("agent1", "password") is not None  # the others are kept
    assert directory.authenticate("agent7", "password") is None


def test_add_user_updates_an_existing_user_keeping_what_is_not_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    users_file = tmp_path / "users.json"
    users_file.write_bytes(USERS_FILE.read_bytes())
    monkeypatch.setattr("sys.stdin", io.StringIO("a-new-password\n"))
    arguments = ["add-user", "--users-file", str(users_file), "agent3", "--password-stdin"]
    assert main([*arguments, "--feature", "api-voice-outbound"]) == 0
    directory = UserDirectory.load(users_file)
    account = directory.authenticate("agent3", "a-new-password")
    assert account is not None
    assert account.has_feature("api-voice-outbound")
    before = UserDirectory.load(USERS_FILE).get("agent3")
    assert before is not None
    assert (account.devices, account.first_name) == (before.devices, before.first_name)
    assert account.campaigns == before.campaigns == ["Campaign1"]
    users = json.loads(users_file.read_text())["users"]
    assert [user["userName"] for user in users] == ["agent1", "agent2", "agent3", "agent4"]


def test_add_user_grants_the_campaigns_given_and_a_new_user_without_any_all(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    users_file = tmp_path / "users.json"
    users_file.write_bytes(USERS_FILE.read_bytes())
    arguments = ["add-user", "--users-file", str(users_file), "--password-stdin"]
    monkeypatch.setattr("sys.stdin", io.StringIO("a-new-password\n"))
    assert main([*arguments, "agent3", "--campaign", "Sales*", "--campaign", "Campaign2"]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("a-new-password\n"))
    assert main([*arguments, "agent8"]) == 0
    directory = UserDirectory.load(users_file)
    agent3, agent8 = directory.get("agent3"), directory.get("agent8")
    assert agent3 is not None
    assert agent8 is not None
    assert agent3.campaigns == ["Sales*", "Campaign2"]
    assert (agent3.may_work("Sales-East"), agent3.may_work("Campaign1")) == (True, False)
    assert agent8.campaigns == ["*"]


def test_add_user_refuses_a_grant_with_a_star_inside(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    users_file = tmp_path / "users.json"
    with pytest.raises(SystemExit) as refused:
        main(["add-user", "--users-file", str(users_file), "agent9", "--campaign", "A*B"])
    assert refused.value.code == 2
    assert "'*' may only end a campaign grant" in capsys.readouterr().err
    assert not users_file.exists()


def test_add_user_refuses_an_empty_password(tmp_path: Path) -> None:
    users_file = tmp_path / "users.json"
    done = add_user(users_file, "agent9", "--password-stdin", password="")
    assert done.returncode == 2
    assert "password" in done.stderr
    assert not users_file.exists()


@pytest.mark.parametrize(
    ("setting", "value", "named"),
    [
        ("GWS_SESSION_SECRET", None, "GWS_SESSION_SECRET"),
        ("GWS_USERS_FILE", "/no/such/users.json", "GWS_USERS_FILE"),
        ("GATEWAY_LOG_LEVEL", "loud", "log_level"),
    ],
)
def test_a_bad_setting_is_a_clear_start_up_error(
    setting: str, value: str | None, named: str
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.endswith(setting)}
    if value is not None:
        env.update({"GWS_SESSION_SECRET": "a-secret", setting: value})
    done = subprocess.run(
        [sys.executable, "-m", "gateway"],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert named in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.kafka
async def test_the_process_serves_logs_as_json_and_stops(
    kafka_bootstrap: str, topics: TopicNames
) -> None:
    port = free_port()
    env = {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
        "OCS_TOPIC_PREFIX": topics.commands.removesuffix("ocs.commands"),
        "GWS_USERS_FILE": str(USERS_FILE),
        "GWS_SESSION_SECRET": "process-secret",
        "GATEWAY_PORT": str(port),
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "gateway", env=env, stderr=asyncio.subprocess.PIPE
    )
    request = vector("reject-record")["request"]
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=5) as http:
            await eventually(partial(answers_ready, http), within=30, every=0.1)
            accepted = await http.post(
                request["path"], json=request["body"], headers=basic("agent1")
            )
            assert accepted.json() == {"statusCode": 0}
        process.send_signal(signal.SIGTERM)
        async with asyncio.timeout(15):
            assert await process.wait() in (0, -signal.SIGTERM)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    [(_, _, value)] = await read_commands(kafka_bootstrap, topics.commands, expected=1)
    assert value is not None
    command_id = json.loads(value)["command_id"]
    assert process.stderr is not None
    lines = [json.loads(line) for line in (await process.stderr.read()).decode().splitlines()]
    [accepted_line] = [line for line in lines if line["msg"] == "accepted"]
    assert accepted_line["command_id"] == command_id
    assert (accepted_line["user"], accepted_line["operation"]) == ("agent1", "RejectRecord")
    assert "password" not in json.dumps(lines).lower()
    assert "GWS_SESSION=" not in json.dumps(lines)


async def test_a_password_changed_with_add_user_ends_the_users_sessions(tmp_path: Path) -> None:
    users_file = tmp_path / "users.json"
    users_file.write_bytes(USERS_FILE.read_bytes())
    async with (
        running_gateway(settings(users_file=users_file), InMemoryPublisher()) as before,
        httpx.AsyncClient(base_url=before) as desktop,
    ):
        assert (await desktop.get("/api/v2/me", headers=basic("agent1"))).status_code == 200
        cookie = desktop.cookies[SESSION_COOKIE]
        assert (await desktop.get("/api/v2/me")).status_code == 200
    done = add_user(users_file, "agent1", "--password-stdin", password="a new one, long")
    assert done.returncode == 0, done.stderr
    # The gateways read the users file at start: restarted, they refuse the old cookie.
    async with (
        running_gateway(settings(users_file=users_file), InMemoryPublisher()) as after,
        httpx.AsyncClient(base_url=after) as desktop,
    ):
        desktop.cookies.set(SESSION_COOKIE, cookie)
        refused = await desktop.get("/api/v2/me")
        desktop.cookies.clear()
        signed_in = await desktop.get("/api/v2/me", headers=basic("agent1", "a new one, long"))
    assert (refused.status_code, refused.json()["statusCode"]) == (401, 20)
    assert signed_in.status_code == 200
