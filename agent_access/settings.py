"""The sign-in settings the gateway and the notifier share, mixed into each one's settings
(under its own prefix, the users file and the secret also under their shared names)."""

from pydantic import Field, FilePath, field_validator

from agent_access.http_security import TlsSettings
from agent_access.session import DENY_LIST_CAPACITY
from agent_access.sign_in_throttle import SignInThrottleSettings
from agent_access.users_reload import UsersFileReloadSettings

NO_USERS_FILE = (
    "no users file configured: set GWS_USERS_FILE to the agents' users file (`python -m "
    "gateway add-user` writes one). demo/users.json, where every password is `password`, "
    "is taken only by `make run` and compose's demo profile"
)


class AgentAccessSettings(SignInThrottleSettings, TlsSettings, UsersFileReloadSettings):
    users_file: FilePath = Field(
        default=None,
        validate_default=True,
        description="The users file: required (the demo one is for `make run` and compose's "
        "demo profile only)",
    )
    revoked_sessions_capacity: int = Field(
        default=DENY_LIST_CAPACITY,
        gt=0,
        description="Revoked sessions kept; beyond, cookies expiring by the newest dropped "
        "one's expiry are refused (fails closed)",
    )
    session_secret: str = Field(
        description="Signs the session cookie and derives the CSRF tokens; the same on every "
        "gateway and notifier"
    )

    @field_validator("users_file", mode="before")
    @classmethod
    def _users_file_configured(cls, path: object) -> object:
        if path is None or path == "":
            raise ValueError(NO_USERS_FILE)
        return path

    @field_validator("session_secret")
    @classmethod
    def _secret_not_blank(cls, secret: str) -> str:
        if not secret.strip():
            raise ValueError("GWS_SESSION_SECRET must not be empty")
        return secret
