"""The notifier's `Host` allow-list (DNS rebinding, `agent_access.hosts`), in front of both
transports and every other route: HTTP gets a Bayeux-shaped 400, a websocket upgrade 403."""

import logging

from starlette.datastructures import Headers
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from agent_access.hosts import host_allowed

log = logging.getLogger(__name__)

_REFUSAL = b'[{"successful":false,"error":"400::Host not allowed"}]'


class HostCheck:
    def __init__(self, app: ASGIApp, allowed: frozenset[str] | None) -> None:
        self._app = app
        self._allowed = allowed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self._app(scope, receive, send)
            return
        host = Headers(scope=scope).get("host", "")
        if host_allowed(host, self._allowed):
            await self._app(scope, receive, send)
            return
        log.warning("host refused", extra={"host": host[:100]})
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})  # the upgrade is answered 403
        else:
            await Response(_REFUSAL, 400, media_type="application/json")(scope, receive, send)
