"""Who may act: credentials (Basic or the session cookie), the outbound feature and, when
enabled, GWS's CSRF token, checked in that order; and what a successful caller gets back."""

import hashlib
import hmac
import time

from fastapi import Request, Response

from agent_access import base64url
from agent_access.credentials import Authenticator, SignInThrottled
from agent_access.identity import OUTBOUND_FEATURE, UserAccount, UserDirectory
from agent_access.password_checks import PasswordChecksBusy, PasswordCheckSlots
from agent_access.session import (
    SESSION_COOKIE,
    RevokedSessions,
    SessionClaims,
    SessionVerifier,
    issue_session_token,
)
from agent_access.sign_in_throttle import SignInThrottle
from gateway.browsers import check_cookie_request
from gateway.errors import GwsError, access_denied, sign_in_busy, sign_in_throttled
from gateway.metrics import GatewayMetrics
from gateway.settings import GatewaySettings

CSRF_HEADER = "X-CSRF-TOKEN"
_AUTH_CACHE_SIZE = 1024


class Gatekeeper:
    def __init__(
        self,
        directory: UserDirectory,
        settings: GatewaySettings,
        metrics: GatewayMetrics,
        revoked: RevokedSessions,
    ) -> None:
        self._sessions = SessionVerifier(
            settings.session_secret, revoked, cache_size=_AUTH_CACHE_SIZE
        )
        self._authenticator = Authenticator(
            directory,
            self._sessions,
            cache_size=_AUTH_CACHE_SIZE,
            throttle=SignInThrottle(settings.throttle_policy),
            slots=PasswordCheckSlots(
                workers=settings.hash_workers, queue=settings.password_hash_queue
            ),
            on_refusal=lambda reason: metrics.sign_ins_refused.labels(reason).inc(),
        )
        self._session_secret = settings.session_secret
        self._csrf_key = b"csrf\0" + settings.session_secret.encode()
        self._session_ttl = settings.session_ttl_seconds
        self._csrf_enabled = settings.csrf_enabled
        self._cookies_secure = settings.cookies_secure

    async def caller(self, request: Request) -> UserAccount:
        """The authenticated user, else 401/20 (unknown user and wrong password alike; with
        `Retry-After` while the sign-in throttle holds the user name or address back); 503/4
        with `Retry-After` when every password-hashing slot is taken; 403/3 for a cookie's
        state-changing request without `Origin` or `X-Requested-With`."""
        address = request.client.host if request.client else None
        try:
            account = await self._authenticator.account_for(
                request.headers.get("authorization"),
                request.cookies.get(SESSION_COOKIE),
                address=address,
            )
        except SignInThrottled as throttled:
            raise sign_in_throttled(throttled.retry_after_s) from None
        except PasswordChecksBusy as busy:
            raise sign_in_busy(busy.retry_after_s) from None
        if account is None:
            raise access_denied()
        check_cookie_request(request)
        return account

    def session_of(self, request: Request, caller: UserAccount) -> SessionClaims | None:
        """The caller's valid session cookie on this request, if it carries one."""
        claims = self._sessions.claims(request.cookies.get(SESSION_COOKIE), now=time.time())
        return claims if claims is not None and claims.user_name == caller.user_name else None

    def forget(self, user_names: set[str]) -> None:
        """The users' passwords changed: their remembered Basic checks no longer hold."""
        self._authenticator.forget(user_names)

    async def agent(self, request: Request) -> UserAccount:
        """The caller of an outbound operation: authenticated (401/20), with the outbound
        feature (403/5) and, when CSRF protection is on, the caller's token (403/3)."""
        caller = await self.caller(request)
        if not caller.has_feature(OUTBOUND_FEATURE):
            raise GwsError(403, 5, f"The user lacks the feature '{OUTBOUND_FEATURE}'")
        self.check_csrf(request, caller)
        return caller

    def check_csrf(self, request: Request, caller: UserAccount) -> None:
        """403/3 unless the caller's CSRF token came along (when CSRF protection is on)."""
        if self._csrf_enabled:
            sent = request.headers.get(CSRF_HEADER, "").encode()
            if not hmac.compare_digest(sent, self.csrf_token(caller.user_name).encode()):
                raise GwsError(403, 3, "Missing or invalid Csrf token")

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

    def end_session(self, response: Response) -> None:
        """Tell the browser to drop the session cookie (set as `admit` sets it)."""
        response.delete_cookie(
            SESSION_COOKIE, path="/", secure=self._cookies_secure, httponly=True, samesite="lax"
        )

    def csrf_token(self, user_name: str) -> str:
        digest = hmac.new(self._csrf_key, user_name.encode(), hashlib.sha256).digest()
        return base64url.encode(digest)
