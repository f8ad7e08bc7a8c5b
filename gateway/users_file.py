"""`python -m gateway add-user`: add or update one agent in the users file, password hashed."""

import argparse
import getpass
import os
import sys
from pathlib import Path

from agent_access.identity import Device, UserAccount, UsersFile, hash_password


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
    parser.add_argument("--first-name")
    parser.add_argument("--last-name")
    parser.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )


def add_user(arguments: argparse.Namespace) -> int:
    password = _password(from_stdin=arguments.password_stdin)
    if not password:
        print("gws-gateway add-user: the password must not be empty", file=sys.stderr)
        return 2
    path: Path = arguments.users_file
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
    )
    users = [account if user is existing else user for user in users]
    if existing is None:
        users.append(account)
    _write(path, UsersFile(users=users))
    print(f"{'updated' if existing else 'added'} {arguments.name} in {path}")
    return 0


def _password(*, from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    password = getpass.getpass("Password: ")
    if getpass.getpass("Again: ") != password:
        return ""
    return password


def _given(value: str | None, current: str) -> str:
    return current if value is None else value


def _device(spec: str) -> Device:
    device_id, _, phone = spec.partition(":")
    return Device(id=device_id, phone_number=phone)


def _write(path: Path, users: UsersFile) -> None:
    """Atomically: a reader sees the old file or the new one, never half of one."""
    text = users.model_dump_json(by_alias=True, indent=2) + "\n"
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text)
    os.replace(temporary, path)
