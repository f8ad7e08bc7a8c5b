"""`ocs.session-revocations`: session tokens ended before their expiry, written by the gateway
on a sign-out and read from the beginning by every gateway and notifier into its deny list."""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from outbound_contracts.commands import SCHEMA_VERSION


class SessionRevoked(BaseModel):
    """A session token ended before its expiry: refused everywhere until it expires."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    type: Literal["SessionRevoked"] = "SessionRevoked"
    schema_version: Literal[1] = SCHEMA_VERSION
    token_id: str = Field(
        min_length=1, description="base64url SHA-256 of the token (never the token itself)"
    )
    user_name: str = Field(min_length=1, description="Whose session it was")
    expires: int = Field(
        description="The token's own expiry, epoch seconds: after it the entry means nothing"
    )
    revoked_at_ms: int = Field(ge=0, description="When the session was ended, epoch ms")

    @property
    def key(self) -> bytes:
        """One key per token: compaction keeps one entry for a token revoked twice."""
        return self.token_id.encode()
