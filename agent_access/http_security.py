"""What the two HTTP services share about transport security: serving HTTPS themselves when
given a certificate, `Secure` cookies, and the security headers on every response."""

from pathlib import Path
from typing import Self

from pydantic import BaseModel, Field, FilePath, model_validator
from starlette.types import ASGIApp, Message, Receive, Scope, Send

_HSTS = (b"strict-transport-security", b"max-age=31536000")
_ALWAYS = (
    (b"x-content-type-options", b"nosniff"),
    # No page of ours is meant to be framed: denies clickjacking of the desktop page.
    (b"x-frame-options", b"DENY"),
    (b"content-security-policy", b"frame-ancestors 'none'"),
    (b"referrer-policy", b"no-referrer"),
)


class TlsSettings(BaseModel):
    """Mixed into the gateway's and the notifier's settings (each under its own prefix)."""

    tls_cert_file: FilePath | None = Field(
        default=None, description="PEM certificate (chain): serve HTTPS (and wss) with it"
    )
    tls_key_file: FilePath | None = Field(default=None, description="PEM private key")
    secure_cookies: bool = Field(
        default=False,
        description="Mark cookies Secure behind a TLS-terminating proxy (implied by TLS)",
    )

    @model_validator(mode="after")
    def _cert_and_key_together(self) -> Self:
        if (self.tls_cert_file is None) != (self.tls_key_file is None):
            raise ValueError("TLS needs both tls_cert_file and tls_key_file, or neither")
        return self

    @property
    def tls(self) -> tuple[Path, Path] | None:
        """(certificate, key) when the service serves HTTPS itself."""
        if self.tls_cert_file is None or self.tls_key_file is None:
            return None
        return self.tls_cert_file, self.tls_key_file

    @property
    def cookies_secure(self) -> bool:
        return self.secure_cookies or self.tls is not None


class SecurityHeaders:
    """Adds `nosniff`, frame denial and no referrer to every HTTP response, and HSTS when the
    service itself serves HTTPS (only then does the browser read it). A pure ASGI middleware:
    it leaves streamed and held responses (long polls) alone but for their first message."""

    def __init__(self, app: ASGIApp, *, hsts: bool) -> None:
        self._app = app
        self._headers = [*_ALWAYS, _HSTS] if hsts else list(_ALWAYS)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(name, value) for name, value in self._headers if name not in present]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self._app(scope, receive, send_with_headers)
