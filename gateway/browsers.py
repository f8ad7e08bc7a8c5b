"""What a browser needs from the API: CORS for the allowed origins, the `Origin` check, and
no native login dialog over a desktop whose session expired.

A 401 with `WWW-Authenticate: Basic` makes a browser open its own login dialog, even for a
request made by a script. A desktop marks its requests with `X-Requested-With` (as GWS-era
desktops did, and jQuery does), and gets the same 401/20 without the challenge: the page
learns that its session is over from the status and shows its own sign-in.
"""

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from agent_access.origins import OriginPolicy
from gateway.errors import GwsError

SCRIPT_MARKER = "x-requested-with"


def serve_browsers(app: FastAPI, allowed_origins: list[str]) -> None:
    if allowed_origins:  # none: same-origin only, and no CORS work per request
        app.add_middleware(
            CORSMiddleware,
            allow_origins=allowed_origins,
            allow_credentials=True,
            allow_methods=["GET", "POST", "OPTIONS"],
            allow_headers=["Authorization", "Content-Type", "X-Requested-With", "X-CSRF-TOKEN"],
            expose_headers=["X-CSRF-HEADER", "X-CSRF-TOKEN"],
        )
    # Added last, so it runs first: a refused page gets no CORS headers either.
    app.add_middleware(BrowserPolicy, policy=OriginPolicy(allowed_origins))


class BrowserPolicy:
    """Refuses a foreign `Origin` with 403/3; drops the Basic challenge for scripts."""

    def __init__(self, app: ASGIApp, policy: OriginPolicy) -> None:
        self._app = app
        self._policy = policy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        if not self._policy.allows(headers.get("origin"), headers.get("host")):
            await GwsError(403, 3, "Origin not allowed").reply()(scope, receive, send)
            return
        if SCRIPT_MARKER not in headers:
            await self._app(scope, receive, send)
            return

        async def send_unchallenged(message: Message) -> None:
            if message["type"] == "http.response.start":
                del MutableHeaders(scope=message)["www-authenticate"]
            await send(message)

        await self._app(scope, receive, send_unchallenged)
