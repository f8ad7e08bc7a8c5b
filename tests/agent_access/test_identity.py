import base64
import hashlib
import hmac
import json

import pytest
from pydantic import ValidationError

from agent_access import base64url
from agent_access.identity import (
    Device,
    UserAccount,
    UserDirectory,
    hash_password,
    parse_basic_authorization,
    verify_password,
)
from agent_access.session import (
    issue_session_token,
    password_version,
    read_session_claims,
    token_id,
)


def account(name: str, password: str, *, enabled: bool = True) -> UserAccount:
    return UserAccount(
        id=name,
        user_name=name,
        password_hash=hash_password(password),
        enabled=enabled,
        features=["api-voice-outbound"],
        devices=[Device(id="d-1", phone_number="7001")],
    )


def test_a_hash_verifies_only_its_password() -> None:
    stored = hash_password("password")
    assert "password" not in stored
    assert verify_password("password", stored)
    assert not verify_password("Password", stored)
    assert not verify_password("password", "garbage")


def test_unknown_user_and_wrong_password_are_alike() -> None:
    directory = UserDirectory([account("agent1", "secret")])
    assert directory.authenticate("agent1", "secret") is not None
    assert directory.authenticate("agent1", "wrong") is None
    assert directory.authenticate("nobody", "secret") is None


def test_a_disabled_account_cannot_log_in() -> None:
    directory = UserDirectory([account("agent1", "secret", enabled=False)])
    assert directory.authenticate("agent1", "secret") is None


def test_devices_are_found_by_their_path() -> None:
    user = account("agent1", "secret")
    assert user.device_at("/devices/d-1") == user.devices[0]
    assert user.device_at("/devices/other") is None


def test_basic_authorization_parsing() -> None:
    header = "Basic " + base64.b64encode(b"agent1:pa:ss").decode()
    assert parse_basic_authorization(header) == ("agent1", "pa:ss")
    assert parse_basic_authorization("Bearer abc") is None
    assert parse_basic_authorization("Basic !!!") is None
    assert parse_basic_authorization("Basic " + base64.b64encode(b"nocolon").decode()) is None
    assert parse_basic_authorization(None) is None


def test_the_demo_users_file_loads() -> None:
    from pathlib import Path

    directory = UserDirectory.load(Path(__file__).parents[2] / "demo" / "users.json")
    agent1 = directory.authenticate("agent1", "password")
    assert agent1 is not None
    assert agent1.device_at("/devices/2b00393c-9ad3-418f-8b3d-a06cbe8af395") is not None
    agent3 = directory.get("agent3")
    assert agent3 is not None
    assert not agent3.has_feature("api-voice-outbound")
    agent4 = directory.get("agent4")
    assert agent4 is not None
    assert (agent4.may_work("Campaign1"), agent4.may_work("Campaign2")) == (True, False)


def test_an_account_without_campaigns_may_work_every_campaign_as_before() -> None:
    """A users file written before campaign grants keeps working unchanged."""
    before = account("agent1", "password").model_dump(by_alias=True, exclude={"campaigns"})
    loaded = UserAccount.model_validate(before)
    assert loaded.campaigns == ["*"]
    assert loaded.may_work("Campaign1")
    assert loaded.may_work("Anything at all")


@pytest.mark.parametrize(
    ("grants", "campaign", "may"),
    [
        (["Campaign1"], "Campaign1", True),
        (["Campaign1"], "Campaign10", False),
        (["Campaign1"], "campaign1", False),
        (["Sales*"], "Sales-East", True),
        (["Sales*"], "Sales", True),
        (["Sales*"], "PreSales", False),
        (["Campaign1", "Sales*"], "Sales-West", True),
        (["*"], "Campaign2", True),
        ([], "Campaign1", False),
    ],
)
def test_a_campaign_is_worked_only_as_granted(grants: list[str], campaign: str, may: bool) -> None:
    granted = account("agent1", "password").model_copy(update={"campaigns": grants})
    assert granted.may_work(campaign) is may


@pytest.mark.parametrize("grant", ["", "A*B", "**", "*Sales"])
def test_a_grant_with_a_star_inside_or_empty_is_refused(grant: str) -> None:
    fields = account("agent1", "password").model_dump(by_alias=True)
    with pytest.raises(ValidationError):
        UserAccount.model_validate({**fields, "campaigns": [grant]})


def test_a_session_token_names_its_user_and_password_version_until_it_expires() -> None:
    token = issue_session_token("agent1", "s3cret", now=1000, ttl_seconds=60, password_version="v1")
    assert read_session_claims(token, "s3cret", now=1059) == ("agent1", 1060, "v1", token_id(token))
    assert read_session_claims(token, "s3cret", now=1060) is None


def test_a_session_token_from_another_secret_or_tampered_is_refused() -> None:
    token = issue_session_token("agent1", "s3cret", now=1000, ttl_seconds=60, password_version="v")
    assert read_session_claims(token, "other", now=1001) is None
    _, signature = token.split(".")
    forged = base64url.encode(json.dumps({"u": "agent2", "exp": 2000, "pv": "v"}).encode())
    assert read_session_claims(f"{forged}.{signature}", "s3cret", now=1001) is None
    assert read_session_claims("junk", "s3cret", now=1001) is None
    assert read_session_claims(None, "s3cret", now=1001) is None


def test_a_token_issued_before_password_versions_is_refused() -> None:
    payload = base64url.encode(json.dumps({"u": "agent1", "exp": 2000}).encode())
    digest = hmac.new(b"s3cret", payload.encode(), hashlib.sha256).digest()
    assert read_session_claims(f"{payload}.{base64url.encode(digest)}", "s3cret", now=1001) is None


def test_a_new_password_changes_the_version() -> None:
    assert password_version(hash_password("same")) != password_version(hash_password("same"))
