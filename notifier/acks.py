"""CometD's acknowledgement extension, one session's side of it.

Messages go to the client only in `/meta/connect` replies; each reply closes a batch and
carries its number in `ext.ack`. What was sent stays here until the client's next connect
echoes a batch at or past it; until then every connect reply carries it again, so a reply
lost on the way is sent once more on the next connect.
"""

from dataclasses import dataclass, field
from typing import Any

Message = dict[str, Any]


@dataclass(eq=False, slots=True)
class Acknowledgements:
    batch: int = 1
    """The number the next connect reply's batch gets."""
    unacknowledged: list[tuple[int, Message]] = field(default_factory=list)
    """Oldest first; a list (56 bytes empty) rather than a deque (760): it holds at most a
    session's queue limit, so trimming its front costs little."""

    def acknowledge(self, batch: int) -> None:
        """The client received every batch up to `batch`."""
        received = 0
        for number, _ in self.unacknowledged:
            if number > batch:
                break
            received += 1
        del self.unacknowledged[:received]

    def close_batch(self, new: list[Message]) -> tuple[list[Message], int]:
        """The messages of the next connect reply (those not yet acknowledged, then `new`)
        and its batch number."""
        resent = [message for _, message in self.unacknowledged]
        self.unacknowledged.extend((self.batch, message) for message in new)
        batch, self.batch = self.batch, self.batch + 1
        return [*resent, *new], batch

    def __len__(self) -> int:
        return len(self.unacknowledged)
