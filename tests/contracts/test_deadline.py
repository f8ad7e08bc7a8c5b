"""The one rule the gateway and the worker share for a command's deadline."""

import pytest

from outbound_contracts.commands import StartPreviewSession
from outbound_contracts.deadline import LOG_APPEND_TIME, appended_too_late

PRODUCER_TIME = 0
DEADLINE_NS = 1_700_000_000_500_000_000
DEADLINE_MS = DEADLINE_NS // 1_000_000


def command(accept_by_ns: int | None) -> StartPreviewSession:
    return StartPreviewSession(
        command_id="c1",
        application_id=134,
        campaign_name="Campaign1",
        user_name="agent1",
        device_id="d1",
        received_at_ns=DEADLINE_NS - 1_000_000_000,
        accept_by_ns=accept_by_ns,
    )


@pytest.mark.parametrize(
    ("accept_by_ns", "timestamp_ms", "timestamp_type", "too_late"),
    [
        (DEADLINE_NS, DEADLINE_MS - 1, LOG_APPEND_TIME, False),
        (DEADLINE_NS, DEADLINE_MS, LOG_APPEND_TIME, False),
        (DEADLINE_NS, DEADLINE_MS + 1, LOG_APPEND_TIME, True),
        (DEADLINE_NS, DEADLINE_MS + 60_000, PRODUCER_TIME, False),  # no append time: no verdict
        (None, DEADLINE_MS + 60_000, LOG_APPEND_TIME, False),  # an importer's or old command
    ],
)
def test_a_command_is_too_late_only_when_the_broker_appended_it_after_its_deadline(
    accept_by_ns: int | None, timestamp_ms: int, timestamp_type: int, too_late: bool
) -> None:
    assert appended_too_late(command(accept_by_ns), timestamp_ms, timestamp_type) is too_late
