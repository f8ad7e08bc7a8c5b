"""Who may act: credentials (Basic or the session cookie), the outbound feature and, when
enabled, GWS's CSRF token, checked in that order; and what a successful caller gets back."""

import hashlib
import hmac
import time

from fastapi import Request, Response

from gateway.errors import GwsError, access_denied, sign_in_throttled
from gateway.metrics import GatewayMetrics
from gateway.settings import GatewaySettings
from outbound_contracts import base64url
from outbound_contracts.credentials import Authenticator, SignInThrottled
from outbound_contracts.identity import OUTBOUND_FEATURE, UserAccount, UserDirectory
from outbound_contracts.session import (
    SESSION_COOKIE,
    SessionClaims,
    issue_session_token,
    read_session_claims,
)
from outbound_contracts.sign_in_throttle import SignInThrottle

CSRF_HEADER = "X-CSRF-TOKEN"
_AUTH_CACHE_SIZE = 1024


class Gatekeeper:
    def __init__(
        self, directory: UserDirectory, settings: GatewaySettings, metrics: GatewayMetrics
    ) -> None:
        self._directory = directory
        self._authenticator = Authenticator(
            directory,
            settings.session_secret,
            cache_size=_AUTH_CACHE_SIZE,
            throttle=SignInThrottle(settings.throttle_policy),
            on_refusal=lambda reason: metrics.sign_ins_refused.labels(reason).inc(),
        )
        self._session_secret = settings.session_secret
        self._csrf_key = b"csrf\0" + settings.session_secret.encode()
        self._session_ttl = settings.session_ttl_seconds
        self._csrf_enabled = settings.csrf_enabled
        self._cookies_secure = settings.cookies_secure
        self._sessions: dict[str, SessionClaims] = {}

    async def caller(self, request: Request) -> UserAccount:
        """The authenticated user, else 401/20 (unknown user and wrong password alike; with
        `Retry-After` while the sign-in throttle holds the user name or address back)."""
        authorization = request.headers.get("authorization")
        if authorization:
            address = request.client.host if request.client else None
            try:
                user_name = await self._authenticator.user_for(authorization, None, address=address)
            except SignInThrottled as throttled:
                raise sign_in_throttled(throttled.retry_after_s) from None
            account = self._directory.get(user_name) if user_name is not None else None
        else:
            account = self._session_account(request.cookies.get(SESSION_COOKIE))
        if account is None or not account.enabled:
            raise access_denied()
        return account

    def _session_account(self, token: str | None) -> UserAccount | None:
        """The session cookie's user, if the token was issued for the user's current password;
        a verified token is remembered until it expires, so a busy desktop does not pay its
        HMAC and JSON on every request."""
        if not token:
            return None
        now = time.time()
        claims = self._sessions.get(token)
        if claims is None or claims.expires <= now:
            claims = read_session_claims(token, self._session_secret, now=now)
            if claims is None:
                return None
            self._sessions[token] = claims
            if len(self._sessions) > _AUTH_CACHE_SIZE:
                del self._sessions[next(iter(self._sessions))]
        account = self._directory.get(claims.user_name)
        if account is None or account.password_version != claims.password_version:
            return None
        return account

    async def agent(self, request: Request) -> UserAccount:
        """The caller of an outbound operation: authenticated (401/20), with the outbound
        feature (403/5) and, when CSRF protection is on, the caller's token (403/3)."""
        caller = await self.caller(request)
        if not caller.has_feature(OUTBOUND_FEATURE):
            raise GwsError(403, 5, f"The user lacks the feature '{OUTBOUND_FEATURE}'")
        if self._csrf_enabled:
            sent = request.headers.get(CSRF_HEADER, "").encode()
            if not hmac.compare_digest(sent, self.csrf_token(caller.user_name).encode()):
                raise GwsError(403, 3, "Missing or invalid Csrf token")
        return caller

    def admit(
        self, request: Request, response: Response, caller: UserAccount, *, read_only: bool
    ) -> None:
        """Open a session for a Basic login (a request that came with a valid cookie keeps it);
        on reads, hand out the CSRF token when it is required."""
        if "authorization" in request.headers:
            token = issue_session_token(
                caller.user_name,
                self._session_secret,
                now=time.time(),
                ttl_seconds=self._session_ttl,
                password_version=caller.password_version,
            )
            response.set_cookie(
                SESSION_COOKIE,
                token,
                httponly=True,
                samesite="lax",
                path="/",
                secure=self._cookies_secure,
            )
        if self._csrf_enabled and read_only:
            response.headers["X-CSRF-HEADER"] = CSRF_HEADER
            response.headers[CSRF_HEADER] = self.csrf_token(caller.user_name)

    def csrf_token(self, user_name: str) -> str:
        digest = hmac.new(self._csrf_key, user_name.encode(), hashlib.sha256).digest()
        return base64url.encode(digest)
