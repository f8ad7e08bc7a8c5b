"""The CometD endpoint as a bare ASGI app, served ahead of FastAPI's middleware stack.

A held connect keeps alive the coroutine frame of every layer it passed through: behind
FastAPI's (error, telemetry, exception, exit-stack and body-limit middleware, router, route,
request/response wrappers) that was ~8 KiB a session, more than the session itself
(docs/performance-history.md, round 2). Here a request passes only the layers it needs.
"""

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from starlette.requests import Request as HttpRequest
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocket

from notifier.transports import LongPolling, WebSocketTransport


class BayeuxEndpoint:
    """Long-polling POSTs to the path and below it (CometD clients append the meta channel's
    name: `.../handshake`, `.../connect`), websockets on the path itself."""

    def __init__(self, long_polling: LongPolling, websocket: WebSocketTransport) -> None:
        self._long_polling = long_polling
        self._websocket = websocket

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            await self._websocket.handle(WebSocket(scope, receive, send))
        elif scope["method"] == "POST":
            response = await self._long_polling.handle(HttpRequest(scope, receive))
            await response(scope, receive, send)
        else:  # as FastAPI answers a method a route does not take
            refusal = JSONResponse({"detail": "Method Not Allowed"}, 405, headers={"Allow": "POST"})
            await refusal(scope, receive, send)


class NotifierApp(FastAPI):
    """FastAPI for the other routes; the CometD endpoint's requests go to `bayeux` instead of
    through FastAPI's stack. Both are behind one chain of `middleware`, configured once (CORS,
    security headers), in front of the choice."""

    def __init__(
        self,
        *,
        bayeux_path: str,
        bayeux: ASGIApp,
        middleware: Callable[[ASGIApp], ASGIApp],
        **fastapi: Any,
    ) -> None:
        super().__init__(**fastapi)
        self._bayeux_path = bayeux_path
        self._bayeux = bayeux
        self._front = middleware(self._route)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._front(scope, receive, send)

    async def _route(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self._is_bayeux(scope):
            await self._bayeux(scope, receive, send)
        else:
            await super().__call__(scope, receive, send)

    def _is_bayeux(self, scope: Scope) -> bool:
        path: str = scope.get("path", "")
        if scope["type"] == "websocket":
            return path == self._bayeux_path
        return scope["type"] == "http" and (
            path == self._bayeux_path or path.startswith(self._bayeux_path + "/")
        )
