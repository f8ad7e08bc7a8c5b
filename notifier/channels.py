"""Bayeux channel names and subscription patterns (`*` one segment, `**` any number)."""

META_PREFIX = "/meta/"
SERVICE_PREFIX = "/service/"
# Channels only the server publishes on: the outcomes of one agent's commands.
SERVER_ONLY_PREFIXES = ("/v2/", "/me/")


def is_valid_channel(name: str) -> bool:
    """A concrete channel: `/a/b`, non-empty segments, no wildcard."""
    segments = _segments(name)
    return segments is not None and not any(s in ("*", "**") for s in segments)


def is_valid_pattern(name: str) -> bool:
    """A channel or a pattern with a wildcard as its last segment only."""
    segments = _segments(name)
    if segments is None:
        return False
    return not any(s in ("*", "**") for s in segments[:-1])


def is_meta(name: str) -> bool:
    return name.startswith(META_PREFIX)


def is_service(name: str) -> bool:
    return name.startswith(SERVICE_PREFIX)


def is_server_only(name: str) -> bool:
    return name.startswith(SERVER_ONLY_PREFIXES)


def patterns_matching(channel: str) -> frozenset[str]:
    """Every subscription that matches `channel`: itself and its `*`/`**` ancestors.

    Routing intersects this with a session's subscriptions, so the cost of a match does not
    grow with the number of subscriptions.
    """
    segments = channel.split("/")[1:]
    found = {channel}
    for depth in range(len(segments)):
        prefix = "/" + "/".join(segments[:depth]) if depth else ""
        found.add(f"{prefix}/**")
        if depth == len(segments) - 1:
            found.add(f"{prefix}/*")
    return frozenset(found)


def _segments(name: str) -> list[str] | None:
    if not name.startswith("/") or len(name) < 2:
        return None
    segments = name.split("/")[1:]
    if any(not segment for segment in segments):
        return None
    return segments
