"""What every notifier reply must be, whatever was sent (docs/notifier.md "Errors for bad
input"): never 5xx; either HTTP 400/413 with one `{"successful": false, "error": "4xx::..."}`,
or HTTP 200 with a JSON array of Bayeux messages, each failure carrying an `error` of the form
`code:args:message`."""

import re
from collections.abc import Mapping
from typing import Any

from tests.fuzz.json_values import loads_strictly

Message = dict[str, Any]
BAYEUX_ERROR = re.compile(r"[1-5]\d\d:.*:.*", re.DOTALL)


def parse_replies(text: str | bytes) -> list[Message]:
    """A reply body or frame: strictly JSON (no `NaN`) and an array of objects."""
    replies = loads_strictly(text)
    assert isinstance(replies, list), text
    for reply in replies:
        assert_message(reply)
    return replies


def assert_long_polling_reply(
    status: int, headers: Mapping[str, str], content: bytes, batch_size: int | None
) -> list[Message]:
    """`batch_size`: how many messages the request's batch held, when it was one; each gets
    exactly one reply (`successful` true or false), besides any delivered messages."""
    assert status in (200, 400, 413), (status, content)
    assert headers["content-type"] == "application/json", headers
    replies = parse_replies(content)
    if status != 200:
        assert len(replies) == 1, content
        assert replies[0]["successful"] is False, content
        assert replies[0]["error"].startswith(f"{status}::"), content
    elif batch_size is not None:
        assert sum("successful" in reply for reply in replies) == batch_size, content
    return replies


def assert_message(message: object) -> None:
    """A reply (`successful`, and an `error` when false) or a delivered message."""
    assert isinstance(message, dict), message
    if "successful" not in message:
        assert isinstance(message.get("channel"), str), message
        assert "data" in message, message
    elif message["successful"] is True:
        assert isinstance(message.get("channel"), str), message
    else:
        assert message["successful"] is False, message
        assert BAYEUX_ERROR.fullmatch(message["error"]), message
