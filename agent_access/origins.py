"""Which browser pages may call us: the `Origin` rule of the notifier and the gateway.

CORS only protects what a browser asks about first (a preflight); a websocket upgrade or a
"simple" POST carries the agent's cookie from any page of the same site (another port of the
same host, for one), so each server itself refuses foreign origins, or a page elsewhere could
read the agent's notifications or send commands as the agent.
"""

from collections.abc import Mapping
from typing import Annotated, NamedTuple
from urllib.parse import urlsplit

from pydantic import AfterValidator

_DEFAULT_PORTS = {"http": 80, "https": 443}


class Origin(NamedTuple):
    scheme: str
    host: str
    port: int


class OriginPolicy:
    """Allows requests without `Origin` (non-browser clients), the configured origins, and
    pages served from the server's own origin (the request's `Host`)."""

    def __init__(self, allowed_origins: list[str]) -> None:
        self._allowed = {parsed for origin in allowed_origins if (parsed := parse_origin(origin))}

    def allows(self, origin: str | None, host: str | None) -> bool:
        if origin is None:
            return True
        parsed = parse_origin(origin)
        if parsed is None:  # `null` (sandboxed frames, file://) or garbage
            return False
        return parsed in self._allowed or (host is not None and _is_host(parsed, host))


SCRIPT_MARKER = "x-requested-with"


def lacks_origin_and_marker(headers: Mapping[str, str]) -> bool:
    """A request signed in by the session cookie alone (no `Authorization`) that changes
    something must carry `Origin` (then checked by `OriginPolicy`) or `X-Requested-With`,
    which no page of another site can add without a CORS preflight we refuse: a cross-site
    form post, which a browser may send without `Origin`, has neither (CSRF)."""
    return (
        "authorization" not in headers
        and "origin" not in headers
        and (SCRIPT_MARKER not in headers)
    )


def check_allowed_origins(origins: list[str]) -> list[str]:
    """The settings validator of both services: each entry exactly an origin, no path."""
    for origin in origins:
        if parse_origin(origin) is None or origin.rstrip("/").count("/") != 2:
            raise ValueError(f"{origin!r} is not an origin such as https://desk.example:8443")
    return origins


AllowedOrigins = Annotated[list[str], AfterValidator(check_allowed_origins)]
"""The type of both services' `allowed_origins` setting: a bad entry fails at start."""


def parse_origin(origin: str) -> Origin | None:
    """`scheme://host[:port]` with the scheme's default port made explicit, lower case, so
    `http://Desk.example` and `http://desk.example:80` compare equal."""
    parts = urlsplit(origin.strip().lower())
    if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    try:
        port = parts.port or _DEFAULT_PORTS[parts.scheme]
    except ValueError:  # port out of range
        return None
    return Origin(parts.scheme, parts.hostname, port)


def _is_host(origin: Origin, host_header: str) -> bool:
    """Whether the page came from the host the request was sent to. A `Host` without a port
    means the default port of the page's scheme (as a TLS-terminating proxy forwards it)."""
    parts = urlsplit(f"//{host_header.strip().lower()}")
    try:
        port = parts.port
    except ValueError:
        return False
    if parts.hostname != origin.host:
        return False
    return origin.port == (port if port is not None else _DEFAULT_PORTS[origin.scheme])
