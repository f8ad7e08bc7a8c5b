"""No demo users by accident, and a users file `add-user` cannot weaken: the real services
refuse to start without a users file configured (the demo one, every password `password`,
only where asked for), and `python -m gateway add-user` keeps the file's mode, writes through
a private temporary file, locks against a concurrent writer and refuses short passwords."""

import asyncio
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from agent_access.identity import UserDirectory
from devstack.broker import free_port
from tests.gateway.conftest import USERS_FILE
from tests.gateway.test_main import add_user as add_user_with
from tests.kafka import REPO

STRONG = "correct horse battery"


@pytest.mark.parametrize("service", ["gateway", "notifier"])
def test_a_service_without_a_users_file_refuses_to_start_saying_why(
    service: str, tmp_path: Path
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.endswith("GWS_USERS_FILE")}
    env.update(GWS_SESSION_SECRET="a-secret", GATEWAY_PORT=str(free_port()), NOTIFIER_PORT="0")
    done = subprocess.run(
        [sys.executable, "-m", service],
        env=env,
        cwd=REPO,  # where demo/users.json is: it must not be taken
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert "no users file configured: set GWS_USERS_FILE" in done.stderr
    assert "Traceback" not in done.stderr


def add_user(users_file: Path, name: str, password: str) -> subprocess.CompletedProcess[str]:
    return add_user_with(users_file, "--password-stdin", name, password=password)


def test_add_user_keeps_the_mode_and_makes_a_new_file_private(tmp_path: Path) -> None:
    shared = tmp_path / "users.json"
    shared.write_bytes(USERS_FILE.read_bytes())
    shared.chmod(0o640)
    assert add_user(shared, "agent9", STRONG).returncode == 0
    assert stat.S_IMODE(shared.stat().st_mode) == 0o640
    new = tmp_path / "new.json"
    os.umask(umask := os.umask(0o022))  # whatever the umask, a new users file is private
    assert add_user(new, "agent9", STRONG).returncode == 0
    assert stat.S_IMODE(new.stat().st_mode) == 0o600, oct(umask)
    assert [path.name for path in tmp_path.iterdir() if path.name.endswith(".tmp")] == []
    lock = tmp_path / ".users.json.lock"
    assert stat.S_IMODE(lock.stat().st_mode) == 0o600  # the lock beside the file


def test_add_user_refuses_a_password_shorter_than_the_minimum(tmp_path: Path) -> None:
    users_file = tmp_path / "users.json"
    users_file.write_bytes(USERS_FILE.read_bytes())
    done = add_user(users_file, "agent9", "eleven-char")
    assert done.returncode == 2
    assert "at least 12 characters" in done.stderr
    assert users_file.read_bytes() == USERS_FILE.read_bytes()


@pytest.mark.slow  # six add-user processes hashing passwords: ~9 s of CPU
async def test_concurrent_add_users_lose_no_user(tmp_path: Path) -> None:
    users_file = tmp_path / "users.json"
    users_file.write_bytes(USERS_FILE.read_bytes())
    names = [f"agent{n}" for n in range(10, 16)]

    async def add(name: str) -> int:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "gateway", "add-user", "--users-file", str(users_file),
            "--password-stdin", name,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.DEVNULL,
        )  # fmt: skip
        await asyncio.wait_for(process.communicate(f"{STRONG}\n".encode()), 60)
        assert process.returncode is not None
        return process.returncode

    assert await asyncio.gather(*(add(name) for name in names)) == [0] * len(names)
    directory = UserDirectory.load(users_file)
    assert [name for name in names if directory.get(name) is None] == []
    assert directory.get("agent1") is not None
