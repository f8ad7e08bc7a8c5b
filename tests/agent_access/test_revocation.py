"""Revocation's pure parts: the deny list, the session verifier that asks it, the users file
taken in again when it changes, and whose sessions that ends."""

import json
from pathlib import Path

from agent_access.identity import Device, UserAccount, UserDirectory, hash_password
from agent_access.session import (
    RevokedSessions,
    SessionClaims,
    SessionVerifier,
    issue_session_token,
    token_id,
)
from agent_access.users_reload import ReloadResult, UsersFileWatcher
from tests.agent_access.accounts import name_of
from tests.agent_access.test_credentials import CountingDirectory, authenticator, basic


def account(name: str, password_hash: str, **fields: object) -> UserAccount:
    return UserAccount.model_validate(
        {"id": name, "userName": name, "passwordHash": password_hash, **fields}
    )


def test_a_revoked_token_is_denied_until_its_expiry_then_forgotten() -> None:
    revoked = RevokedSessions()
    assert revoked.revoke("a", expires=100) is True
    assert revoked.revoke("a", expires=100) is False  # written twice (compaction's twin)
    assert revoked.revoke("b", expires=200) is True
    assert "a" in revoked
    assert "c" not in revoked
    assert revoked.drop_expired(now=100) == 1
    assert "a" not in revoked
    assert "b" in revoked
    assert len(revoked) == 1


def test_the_token_id_names_a_token_without_being_it() -> None:
    token = issue_session_token("agent1", "s", now=0, ttl_seconds=60, password_version="v")
    assert token_id(token) == token_id(token)
    assert token_id(token) != token_id(token + "x")
    assert token not in token_id(token)


def test_a_verified_and_remembered_token_is_refused_once_revoked() -> None:
    revoked = RevokedSessions()
    verifier = SessionVerifier("s", revoked)
    token = issue_session_token("agent1", "s", now=100, ttl_seconds=60, password_version="v")
    claims = verifier.claims(token, now=101)
    assert claims is not None
    assert claims.token_id == token_id(token)
    assert verifier.claims(token, now=102) == claims  # remembered
    revoked.revoke(claims.token_id, claims.expires)
    assert verifier.claims(token, now=103) is None
    assert verifier.claims(token, now=160) is None  # and expired anyway


def test_a_new_password_disabling_or_removal_ends_sessions_other_changes_do_not() -> None:
    old, new = hash_password("old"), hash_password("new")
    directory = UserDirectory(
        [account(name, old) for name in ("renamed", "same", "disabled", "gone", "moved")]
    )
    ended = directory.replace(
        [
            account("renamed", new),
            account("same", old),
            account("disabled", old, enabled=False),
            account("moved", old, devices=[Device(id="d2", phone_number="2")]),
        ]
    )
    assert ended == {"renamed", "disabled", "gone"}
    moved = directory.get("moved")
    assert moved is not None
    assert moved.device_at("/devices/d2") is not None


async def test_a_forgotten_basic_check_is_made_again() -> None:
    users = CountingDirectory([account("agent1", hash_password("pw"))])
    auth = authenticator(users, "s", cache_size=8)
    assert name_of(await auth.account_for(basic("agent1", "pw"), None)) == "agent1"
    assert name_of(await auth.account_for(basic("agent1", "pw"), None)) == "agent1"
    auth.forget({"agent2"})
    assert name_of(await auth.account_for(basic("agent1", "pw"), None)) == "agent1"
    assert users.checks == 1
    auth.forget({"agent1"})
    assert name_of(await auth.account_for(basic("agent1", "pw"), None)) == "agent1"
    assert users.checks == 2


def write_users(path: Path, *accounts: UserAccount) -> None:
    users = [a.model_dump(by_alias=True) for a in accounts]
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps({"users": users}))
    temporary.replace(path)  # a new inode, as the add-user CLI writes it


async def test_the_watcher_takes_a_changed_file_in_and_keeps_the_users_on_a_broken_one(
    tmp_path: Path,
) -> None:
    path = tmp_path / "users.json"
    old = hash_password("old")
    write_users(path, account("agent1", old), account("agent2", old))
    directory = UserDirectory.load(path)
    ended: list[set[str]] = []
    results: list[ReloadResult] = []
    watcher = UsersFileWatcher(
        path, directory, interval_s=60, on_change=ended.append, on_reload=results.append
    )
    await watcher.check()
    assert (ended, results) == ([], [])  # unchanged: not even read

    write_users(path, account("agent1", hash_password("new")), account("agent2", old))
    await watcher.check()
    assert ended == [{"agent1"}]
    assert results == ["loaded"]

    path.write_text('{"users": [')
    await watcher.check()
    assert results == ["loaded", "failed"]
    assert directory.get("agent2") is not None  # the users as they were
    path.unlink()
    await watcher.check()
    assert results == ["loaded", "failed", "failed"]
    assert ended == [{"agent1"}]


class ReloadedWhileChecking(UserDirectory):
    """The users file is taken in again while a Basic check with the old password runs."""

    def __init__(self, before: UserAccount, after: UserAccount) -> None:
        super().__init__([before])
        self._after = after

    def authenticate(self, user_name: str, password: str) -> UserAccount | None:
        account = super().authenticate(user_name, password)
        self.replace([self._after])
        return account


async def test_a_basic_check_that_raced_a_password_change_is_not_accepted() -> None:
    users = ReloadedWhileChecking(
        account("agent1", hash_password("old")), account("agent1", hash_password("new"))
    )
    auth = authenticator(users, "s", cache_size=8)
    assert name_of(await auth.account_for(basic("agent1", "old"), None)) is None
    assert name_of(await auth.account_for(basic("agent1", "new"), None)) == "agent1"


def test_a_full_deny_list_fails_closed_for_tokens_expiring_by_the_dropped_ones() -> None:
    revoked = RevokedSessions(capacity=2)
    assert revoked.revoke("a", expires=100) is True
    assert revoked.revoke("b", expires=300) is True
    assert revoked.revoke("c", expires=200) is True  # does not fit: remembered by its expiry
    assert len(revoked) == 2
    claims = SessionClaims("agent1", 200, "v", "unrelated")
    assert revoked.denies(claims)  # it might be the dropped one
    assert not revoked.denies(claims._replace(expires=201))
    assert revoked.denies(claims._replace(expires=500, token_id="b"))
