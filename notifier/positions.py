"""Replay positions: an outcome's place in `ocs.events`, as the opaque string a client stores.

`<partition>:<offset, 20 digits>:<agent tag>`. One agent's outcomes are all on one partition
(the agent is the key), so one agent's positions differ only in the zero-padded offset and
compare as plain strings in delivery order. The tag binds a position to its agent, so that
another agent's position is refused rather than replayed from a meaningless offset.
"""

import hashlib
import re
from dataclasses import dataclass

_OFFSET_DIGITS = 20
_LAST_OFFSET = 2**63 - 1  # Kafka's offsets are signed 64-bit integers
_FORMAT = re.compile(rf"^(\d{{1,5}}):(\d{{{_OFFSET_DIGITS}}}):([0-9a-f]{{8}})$")


class InvalidPosition(ValueError):
    """A replay position that cannot be replayed from; its text is the Bayeux error."""


@dataclass(frozen=True, slots=True)
class Position:
    partition: int
    offset: int

    def render(self, user_name: str) -> str:
        return f"{self.partition}:{self.offset:0{_OFFSET_DIGITS}d}:{agent_tag(user_name)}"


def agent_tag(user_name: str) -> str:
    return hashlib.sha256(user_name.encode()).hexdigest()[:8]


def parse_position(text: object, user_name: str) -> Position:
    """The position a client sent, if it is well-formed and of `user_name`'s stream."""
    if not isinstance(text, str):
        raise InvalidPosition("400::Replay position must be a string")
    matched = _FORMAT.match(text)
    if matched is None:
        raise InvalidPosition(f"400::Malformed replay position {text[:64]!r}")
    partition, offset, tag = matched.groups()
    if tag != agent_tag(user_name):
        raise InvalidPosition("400::Replay position of another agent's stream")
    if int(offset) > _LAST_OFFSET:
        raise InvalidPosition(f"400::Replay position's offset past {_LAST_OFFSET}")
    return Position(int(partition), int(offset))
