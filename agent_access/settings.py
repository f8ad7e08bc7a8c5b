"""The sign-in settings the gateway and the notifier share, mixed into each one's settings
(under its own prefix, the users file and the secret also under their shared names)."""

from pathlib import Path

from pydantic import Field, FilePath, field_validator

from agent_access.http_security import TlsSettings
from agent_access.sign_in_throttle import SignInThrottleSettings
from agent_access.users_reload import UsersFileReloadSettings


class AgentAccessSettings(SignInThrottleSettings, TlsSettings, UsersFileReloadSettings):
    users_file: FilePath = Field(default=Path("demo/users.json"), description="The users file")
    session_secret: str = Field(
        description="Signs the session cookie and derives the CSRF tokens; the same on every "
        "gateway and notifier"
    )

    @field_validator("session_secret")
    @classmethod
    def _secret_not_blank(cls, secret: str) -> str:
        if not secret.strip():
            raise ValueError("GWS_SESSION_SECRET must not be empty")
        return secret
