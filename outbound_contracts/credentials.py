"""Who is calling: HTTP Basic against the users file, or the gateway's session cookie.

Shared by the gateway and the notifier, which must accept exactly the same credentials."""

import asyncio
import hashlib
import time
from collections import OrderedDict
from collections.abc import Callable

from outbound_contracts.identity import UserDirectory, parse_basic_authorization
from outbound_contracts.session import read_session_token


class Authenticator:
    """Successful Basic checks are cached (scrypt costs ~50 ms) under a digest of the header,
    never the password itself; the check runs in a thread so the event loop keeps serving."""

    def __init__(
        self,
        directory: UserDirectory,
        session_secret: str,
        *,
        cache_size: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._directory = directory
        self._secret = session_secret
        self._cache_size = cache_size
        self._clock = clock
        self._verified: OrderedDict[bytes, str] = OrderedDict()

    async def user_for(self, authorization: str | None, session_token: str | None) -> str | None:
        """The user name the credentials prove, or None; Basic wins when both are present."""
        if authorization:
            return await self._basic(authorization)
        user_name = read_session_token(session_token, self._secret, now=self._clock())
        if user_name is None:
            return None
        account = self._directory.get(user_name)
        return account.user_name if account is not None and account.enabled else None

    async def _basic(self, authorization: str) -> str | None:
        key = hashlib.sha256(authorization.encode()).digest()
        if (cached := self._verified.get(key)) is not None:
            self._verified.move_to_end(key)
            return cached
        credentials = parse_basic_authorization(authorization)
        if credentials is None:
            return None
        account = await asyncio.to_thread(self._directory.authenticate, *credentials)
        if account is None:
            return None
        if self._cache_size:
            self._verified[key] = account.user_name
            if len(self._verified) > self._cache_size:
                self._verified.popitem(last=False)
        return account.user_name
