"""Who is calling: HTTP Basic against the users file, or the gateway's session cookie.

Shared by the gateway and the notifier, which must accept exactly the same credentials."""

import asyncio
import hashlib
import logging
import math
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Literal

from agent_access.identity import UserAccount, UserDirectory, parse_basic_authorization
from agent_access.password_checks import PasswordChecksBusy, PasswordCheckSlots
from agent_access.session import SessionVerifier
from agent_access.sign_in_throttle import SignInThrottle

SignInRefusal = Literal["failed", "throttled", "busy"]

log = logging.getLogger(__name__)


class SignInThrottled(Exception):
    """Too many failed sign-ins for this user name or client address: not checked."""

    def __init__(self, retry_after_s: float) -> None:
        super().__init__(f"too many failed sign-ins; retry after {retry_after_s:.0f} s")
        self.retry_after_s = max(1, math.ceil(retry_after_s))


class Authenticator:
    """Successful Basic checks are cached (scrypt costs ~50 ms) under a digest of the header,
    never the password itself; the check runs in a thread so the event loop keeps serving,
    in one of the `slots` (a few at once); requests with a header whose check is under way
    share its outcome. Each check is reserved with the `throttle` before
    it is hashed, which refuses further guesses past the limit; `on_refusal` counts each
    failed, throttled or busy sign-in for the service's metrics. Session
    cookies are checked by `sessions` (signature, expiry, the deny list), then against the
    user's current password."""

    def __init__(
        self,
        directory: UserDirectory,
        sessions: SessionVerifier,
        *,
        cache_size: int,
        throttle: SignInThrottle,
        slots: PasswordCheckSlots,
        on_refusal: Callable[[SignInRefusal], None],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._directory = directory
        self._sessions = sessions
        self._cache_size = cache_size
        self._throttle = throttle
        self._slots = slots
        self._on_refusal = on_refusal
        self._clock = clock
        self._checking: dict[bytes, asyncio.Future[str | None]] = {}
        """Checks under way by header digest: the same header sent again meanwhile (the
        desktops of one agent starting at once) waits for that check instead of another."""
        self._verified: OrderedDict[bytes, str] = OrderedDict()

    async def account_for(
        self, authorization: str | None, session_token: str | None, *, address: str | None = None
    ) -> UserAccount | None:
        """The enabled account the credentials prove, or None; Basic wins when both are
        present. Raises `SignInThrottled` for a Basic sign-in the throttle holds back
        (`address`: the client's, as the server sees it), `PasswordChecksBusy` when no hash
        slot is free."""
        if authorization:
            user_name = await self._basic(authorization, address)
            account = self._directory.get(user_name) if user_name is not None else None
            return account if account is not None and account.enabled else None
        claims = self._sessions.claims(session_token, now=self._clock())
        if claims is None:
            return None
        account = self._directory.get(claims.user_name)
        if account is None or not account.enabled:
            return None
        return account if account.password_version == claims.password_version else None

    def session_expiry(self, session_token: str) -> int | None:
        """When a valid session cookie expires (epoch s), else None."""
        claims = self._sessions.claims(session_token, now=self._clock())
        return claims.expires if claims is not None else None

    def forget(self, user_names: set[str]) -> None:
        """Drop the remembered Basic checks of these users (their password changed)."""
        for key in [key for key, user in self._verified.items() if user in user_names]:
            del self._verified[key]

    def _still_valid(self, account: UserAccount) -> bool:
        current = self._directory.get(account.user_name)
        return (
            current is not None
            and current.enabled
            and current.password_version == account.password_version
        )

    async def _basic(self, authorization: str, address: str | None) -> str | None:
        key = hashlib.sha256(authorization.encode()).digest()
        if (cached := self._verified.get(key)) is not None:
            self._verified.move_to_end(key)
            return cached
        check = self._checking.get(key)
        if check is None:
            check = asyncio.ensure_future(self._verify(authorization, key, address))
            self._checking[key] = check
            check.add_done_callback(lambda _: self._checking.pop(key, None))
        return await asyncio.shield(check)

    async def _verify(self, authorization: str, key: bytes, address: str | None) -> str | None:
        credentials = parse_basic_authorization(authorization)
        if credentials is None:
            return None
        user_name = credentials[0]
        if (wait := self._throttle.reserve(user_name, address)) is not None:
            self._on_refusal("throttled")
            log.warning("sign-in throttled", extra={"user": user_name, "address": address})
            raise SignInThrottled(wait)
        try:
            account = await self._check(credentials)
        except BaseException:
            self._throttle.released(user_name, address)
            raise
        if account is None:
            self._throttle.failed(user_name, address)
            self._on_refusal("failed")
            log.warning("sign-in failed", extra={"user": user_name, "address": address})
            return None
        self._throttle.succeeded(user_name, address)
        if self._cache_size:
            self._verified[key] = account.user_name
            if len(self._verified) > self._cache_size:
                self._verified.popitem(last=False)
        return account.user_name

    async def _check(self, credentials: tuple[str, str]) -> UserAccount | None:
        try:
            async with self._slots.slot():
                account = await asyncio.to_thread(self._directory.authenticate, *credentials)
        except PasswordChecksBusy:
            self._on_refusal("busy")
            log.warning("sign-in busy", extra={"user": credentials[0]})
            raise
        if account is not None and not self._still_valid(account):
            return None  # the password changed while it was being checked
        return account
