"""Agents, their devices, features and campaigns, as the users file describes them; password
checks.

The gateway and the notifier both authenticate against the same users file, so its format and
the password hashing live here, once. Hashes are scrypt (stdlib), never plain text.
"""

import base64
import hashlib
import hmac
import secrets
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from agent_access import base64url
from agent_access.session import password_version

OUTBOUND_FEATURE = "api-voice-outbound"

ALL_CAMPAIGNS = "*"

_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**14, 8, 1


def _grant(entry: str) -> str:
    if "*" in entry.removesuffix("*"):
        raise ValueError("'*' may only end a campaign grant (NAME, PREFIX* or *)")
    return entry


CampaignGrant = Annotated[str, Field(min_length=1), AfterValidator(_grant)]
"""A campaign's name, `PREFIX*` for every campaign whose name starts with PREFIX, or `*`."""


class Device(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    id: str = Field(min_length=1)
    phone_number: str = Field(alias="phoneNumber")
    device_state: str = Field(default="Active", alias="deviceState")

    @property
    def path(self) -> str:
        return f"/devices/{self.id}"


class UserAccount(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    id: str = Field(min_length=1)
    user_name: str = Field(alias="userName", min_length=1)
    first_name: str = Field(default="", alias="firstName")
    last_name: str = Field(default="", alias="lastName")
    password_hash: str = Field(alias="passwordHash")
    roles: list[str] = Field(default_factory=lambda: ["ROLE_AGENT"])
    enabled: bool = True
    features: list[str] = Field(default_factory=list)
    devices: list[Device] = Field(default_factory=list)
    campaigns: list[CampaignGrant] = Field(
        default_factory=lambda: [ALL_CAMPAIGNS],
        description="the campaigns the agent may work; absent: every campaign, as before",
    )

    @property
    def password_version(self) -> str:
        return password_version(self.password_hash)

    def has_feature(self, feature: str) -> bool:
        return feature in self.features

    def may_work(self, campaign_name: str) -> bool:
        return any(
            campaign_name.startswith(grant[:-1]) if grant.endswith("*") else campaign_name == grant
            for grant in self.campaigns
        )

    def device_at(self, device_path: str) -> Device | None:
        return next((device for device in self.devices if device.path == device_path), None)


class UsersFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    users: list[UserAccount]


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = _scrypt(password, salt, _SCRYPT_N, _SCRYPT_R, _SCRYPT_P)
    return "$".join(
        [
            "scrypt",
            str(_SCRYPT_N),
            str(_SCRYPT_R),
            str(_SCRYPT_P),
            base64url.encode(salt),
            base64url.encode(digest),
        ]
    )


def verify_password(password: str, password_hash: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = password_hash.split("$")
        if scheme != "scrypt":
            return False
        actual = _scrypt(password, base64url.decode(salt), int(n), int(r), int(p))
    except ValueError:
        return False
    return hmac.compare_digest(actual, base64url.decode(digest))


class UserDirectory:
    """The users of one deployment, loaded from the users file (and again when it changes)."""

    def __init__(self, accounts: list[UserAccount]) -> None:
        self._by_name = {account.user_name: account for account in accounts}
        # Checked when the name is unknown, so that an unknown user costs a wrong password's time.
        self._decoy_hash = hash_password(secrets.token_urlsafe(16))

    @classmethod
    def load(cls, path: Path) -> "UserDirectory":
        return cls(UsersFile.model_validate_json(path.read_bytes()).users)

    def replace(self, accounts: list[UserAccount]) -> set[str]:
        """Take the users of a reloaded file; returns the names whose sessions end: a new
        password, disabled, or gone."""
        before = self._by_name
        self._by_name = {account.user_name: account for account in accounts}
        return {
            name
            for name, account in before.items()
            if (now := self._by_name.get(name)) is None
            or not now.enabled
            or now.password_version != account.password_version
        }

    def get(self, user_name: str) -> UserAccount | None:
        return self._by_name.get(user_name)

    def authenticate(self, user_name: str, password: str) -> UserAccount | None:
        """The enabled account whose password matches; unknown and wrong look the same."""
        account = self._by_name.get(user_name)
        if account is None:
            verify_password(password, self._decoy_hash)
            return None
        if not verify_password(password, account.password_hash) or not account.enabled:
            return None
        return account


def parse_basic_authorization(header: str | None) -> tuple[str, str] | None:
    """`Authorization: Basic base64(user:password)` -> (user, password), or None if malformed."""
    if not header:
        return None
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic" or not encoded:
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode()
    except (ValueError, UnicodeDecodeError):
        return None
    user_name, separator, password = decoded.partition(":")
    return (user_name, password) if separator else None


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, dklen=32)
