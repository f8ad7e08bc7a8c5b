"""What a desktop heard, as (channel, referenceId) pairs, and outcomes named by referenceId:
for tests that check a stream of outcomes arrived complete, in order and once."""

import time
from typing import Any

from outbound_contracts.events import UserEventRaised
from tests.notifier.raw import CHANNELS
from tests.notifier.vectors import outcome_for

Message = dict[str, Any]


def outcome(reference: str, user_name: str = "agent1") -> UserEventRaised:
    vector = "reject-record" if user_name == "agent1" else "cancel-record"
    return outcome_for(vector, received_at_ns=time.time_ns()).model_copy(
        update={"reference_id": reference}
    )


def heard(messages: list[Message]) -> list[tuple[str, str]]:
    """(channel, referenceId) of each message; a /me/internal message, which has none, gets
    that of the /v2/me/outbound message before it (the notifier sends an outcome's two
    messages together, in that order)."""
    pairs, reference = [], "?"
    for message in messages:
        if message["channel"] == CHANNELS[0]:
            reference = message["data"]["referenceId"]
        pairs.append((message["channel"], reference))
    return pairs


def both(*references: str) -> list[tuple[str, str]]:
    return [(channel, reference) for reference in references for channel in CHANNELS]
