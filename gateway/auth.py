"""Who is calling: HTTP Basic against the users file, or the signed session cookie."""

import asyncio
import hashlib
import time
from collections import OrderedDict

from fastapi import Request

from gateway.errors import access_denied
from outbound_contracts.identity import UserAccount, UserDirectory, parse_basic_authorization
from outbound_contracts.session import SESSION_COOKIE, read_session_token

_CACHE_SIZE = 1024


class Authenticator:
    def __init__(self, directory: UserDirectory, session_secret: str) -> None:
        self._directory = directory
        self._secret = session_secret
        # scrypt costs ~50 ms by design: remember headers already verified in this process.
        self._verified: OrderedDict[bytes, str] = OrderedDict()

    async def caller(self, request: Request) -> UserAccount:
        header = request.headers.get("authorization")
        if header is not None:
            return await self._basic(header)
        user_name = read_session_token(
            request.cookies.get(SESSION_COOKIE), self._secret, now=time.time()
        )
        account = self._directory.get(user_name) if user_name else None
        if account is None or not account.enabled:
            raise access_denied()
        return account

    async def _basic(self, header: str) -> UserAccount:
        fingerprint = hashlib.sha256(header.encode()).digest()
        if (user_name := self._verified.get(fingerprint)) is not None:
            self._verified.move_to_end(fingerprint)
            account = self._directory.get(user_name)
            if account is not None:
                return account
        credentials = parse_basic_authorization(header)
        if credentials is None:
            raise access_denied()
        account = await asyncio.to_thread(self._directory.authenticate, *credentials)
        if account is None:
            raise access_denied()
        self._verified[fingerprint] = account.user_name
        if len(self._verified) > _CACHE_SIZE:
            self._verified.popitem(last=False)
        return account
