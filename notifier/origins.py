"""Which browser pages may open a CometD session: the `Origin` check of both transports.

CORS only protects long-polling (a browser asks before sending credentials); a websocket
upgrade carries the agent's cookie from any page, so the server itself must refuse foreign
origins, or a page elsewhere on the same site could read the agent's notifications.
"""

from typing import NamedTuple
from urllib.parse import urlsplit

_DEFAULT_PORTS = {"http": 80, "https": 443}


class Origin(NamedTuple):
    scheme: str
    host: str
    port: int


class OriginPolicy:
    """Allows requests without `Origin` (non-browser clients), the configured origins, and
    pages served from the notifier's own origin (the request's `Host`)."""

    def __init__(self, allowed_origins: list[str]) -> None:
        self._allowed = {parsed for origin in allowed_origins if (parsed := parse_origin(origin))}

    def allows(self, origin: str | None, host: str | None) -> bool:
        if origin is None:
            return True
        parsed = parse_origin(origin)
        if parsed is None:  # `null` (sandboxed frames, file://) or garbage
            return False
        return parsed in self._allowed or (host is not None and _is_host(parsed, host))


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
