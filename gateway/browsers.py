"""What a browser needs from the API: CORS for the allowed origins, the `Origin` check, and
no native login dialog over a desktop whose session expired.

A 401 with `WWW-Authenticate: Basic` makes a browser open its own login dialog, even for a
request made by a script. A desktop marks its requests with `X-Requested-With` (as GWS-era
desktops did, and jQuery does), and gets the same 401/20 without the challenge: the page
learns that its session is over from the status and shows its own sign-in.

Two more checks guard a gateway a browser can reach. A state-changing request signed in by
the session cookie alone must carry `Origin` (an allowed one: the check above) or
`X-Requested-With`, which no page of another site can add without a CORS preflight we
refuse: a cross-site form post that a browser sends without `Origin` is refused (CSRF).
And the `Host` must be one of the allowed host names (by default the address the gateway is
bound to, and `localhost` with a loopback one): a name of the attacker's that a DNS
rebinding points at 127.0.0.1 is refused, so a page of that name cannot call a gateway on
the agent's own machine.
"""

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from agent_access.hosts import host_allowed
from agent_access.origins import SCRIPT_MARKER, OriginPolicy, lacks_origin_and_marker
from gateway.errors import GwsError

_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def serve_browsers(
    app: FastAPI, allowed_origins: list[str], allowed_hosts: frozenset[str] | None
) -> None:
    """`allowed_hosts`: host names (no port) a request's `Host` may name; None: any."""
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
    app.add_middleware(
        BrowserPolicy, policy=OriginPolicy(allowed_origins), allowed_hosts=allowed_hosts
    )


class BrowserPolicy:
    """Refuses a `Host` not allowed with 400/2, a foreign `Origin` with 403/3; drops the
    Basic challenge for scripts."""

    def __init__(
        self, app: ASGIApp, policy: OriginPolicy, allowed_hosts: frozenset[str] | None
    ) -> None:
        self._app = app
        self._policy = policy
        self._allowed_hosts = allowed_hosts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        if (refusal := self._refusal(headers)) is not None:
            await refusal.reply()(scope, receive, send)
            return
        if SCRIPT_MARKER not in headers:
            await self._app(scope, receive, send)
            return

        async def send_unchallenged(message: Message) -> None:
            if message["type"] == "http.response.start":
                del MutableHeaders(scope=message)["www-authenticate"]
            await send(message)

        await self._app(scope, receive, send_unchallenged)

    def _refusal(self, headers: Headers) -> GwsError | None:
        host = headers.get("host", "")
        if not host_allowed(host, self._allowed_hosts):
            return GwsError(400, 2, f"Host {host[:100]!r} not allowed")
        if not self._policy.allows(headers.get("origin"), headers.get("host")):
            return GwsError(403, 3, "Origin not allowed")
        return None


def check_cookie_request(request: Request) -> None:
    """403/3 for a state-changing request signed in by the session cookie alone that carries
    neither `Origin` (checked above) nor `X-Requested-With` (the caller authenticated it)."""
    if request.method not in _SAFE_METHODS and lacks_origin_and_marker(request.headers):
        raise GwsError(403, 3, "A request signed in by cookie needs Origin or X-Requested-With")
