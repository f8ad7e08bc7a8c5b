"""`python -m gateway add-user`: add or update one agent in the users file, password hashed.

The users file holds every agent's password hash, so the command never weakens it: the file
keeps its mode (a new one is `0600`), the new text is written to a temporary file only its
owner can read and then renamed over it, a second `add-user` at the same time waits for the
first (a lock beside the file) instead of losing its change, and a password shorter than
`GATEWAY_MIN_PASSWORD_LENGTH` is refused."""

import argparse
import contextlib
import fcntl
import getpass
import os
import stat
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from pydantic import Field, TypeAdapter, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from agent_access.identity import (
    ALL_CAMPAIGNS,
    CampaignGrant,
    Device,
    UserAccount,
    UsersFile,
    hash_password,
)

_NEW_FILE_MODE = 0o600
_CAMPAIGN_GRANT: TypeAdapter[str] = TypeAdapter(CampaignGrant)


class AddUserSettings(BaseSettings):
    """`add-user` reads only these of the gateway's settings (it needs no secret)."""

    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore")

    min_password_length: int = Field(
        default=12, ge=1, description="add-user refuses shorter passwords"
    )


def add_user_parser(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", help="the user name (also the user's id when new)")
    parser.add_argument("--users-file", type=Path, required=True)
    parser.add_argument(
        "--device",
        action="append",
        default=[],
        metavar="ID[:PHONE]",
        help="a device of the user (repeatable; replaces the user's devices)",
    )
    parser.add_argument(
        "--feature",
        action="append",
        default=[],
        help="a feature, e.g. api-voice-outbound (repeatable; replaces the user's features)",
    )
    parser.add_argument(
        "--campaign",
        action="append",
        default=[],
        type=_campaign_grant,
        metavar="NAME",
        help="a campaign the user may work, PREFIX* for every one starting with PREFIX, or * for "
        "all (repeatable; replaces the user's campaigns; a new user without any: all)",
    )
    parser.add_argument("--first-name")
    parser.add_argument("--last-name")
    parser.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )


def add_user(arguments: argparse.Namespace) -> int:
    minimum = AddUserSettings().min_password_length
    password = _password(from_stdin=arguments.password_stdin)
    if len(password) < minimum:
        print(
            f"gws-gateway add-user: the password must have at least {minimum} characters",
            file=sys.stderr,
        )
        return 2
    path: Path = arguments.users_file
    with _locked(path):
        updated = _update(path, arguments, password)
    print(f"{'updated' if updated else 'added'} {arguments.name} in {path}")
    return 0


def _update(path: Path, arguments: argparse.Namespace, password: str) -> bool:
    """Add or update the user in the file; True if the user was there."""
    users = UsersFile.model_validate_json(path.read_bytes()).users if path.exists() else []
    existing = next((user for user in users if user.user_name == arguments.name), None)
    account = UserAccount(
        id=existing.id if existing else arguments.name,
        user_name=arguments.name,
        first_name=_given(arguments.first_name, existing.first_name if existing else ""),
        last_name=_given(arguments.last_name, existing.last_name if existing else ""),
        password_hash=hash_password(password),
        roles=existing.roles if existing else ["ROLE_AGENT"],
        enabled=existing.enabled if existing else True,
        features=arguments.feature or (existing.features if existing else []),
        devices=[_device(spec) for spec in arguments.device]
        or (existing.devices if existing else []),
        campaigns=arguments.campaign or (existing.campaigns if existing else [ALL_CAMPAIGNS]),
    )
    users = [account if user is existing else user for user in users]
    if existing is None:
        users.append(account)
    _write(path, UsersFile(users=users))
    return existing is not None


def _password(*, from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    password = getpass.getpass("Password: ")
    if getpass.getpass("Again: ") != password:
        return ""
    return password


def _given(value: str | None, current: str) -> str:
    return current if value is None else value


def _campaign_grant(entry: str) -> str:
    try:
        return _CAMPAIGN_GRANT.validate_python(entry)
    except ValidationError as error:
        raise argparse.ArgumentTypeError(error.errors()[0]["msg"]) from error


def _device(spec: str) -> Device:
    device_id, _, phone = spec.partition(":")
    return Device(id=device_id, phone_number=phone)


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Held while the file is read and written again: one writer at a time."""
    lock = path.with_name(f".{path.name}.lock")
    descriptor = os.open(lock, os.O_RDWR | os.O_CREAT, _NEW_FILE_MODE)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)  # releases the lock


def _write(path: Path, users: UsersFile) -> None:
    """Atomically: a reader sees the old file or the new one, never half of one; the text
    is never readable by others on the way, and the file keeps its mode."""
    text = users.model_dump_json(by_alias=True, indent=2) + "\n"
    mode = stat.S_IMODE(path.stat().st_mode) if path.exists() else _NEW_FILE_MODE
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(descriptor, "w") as file:  # mkstemp made it 0600
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
            os.fchmod(file.fileno(), mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
