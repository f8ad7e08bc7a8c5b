import pytest

from notifier.render import render_outcome
from outbound_contracts.events import CommandFailed
from tests.notifier.vectors import VECTOR_USERS, assert_messages_match, outcome_for


@pytest.mark.parametrize("vector", sorted(VECTOR_USERS))
def test_an_outcome_renders_as_the_vector_documents(vector: str) -> None:
    messages = render_outcome(
        outcome_for(vector, received_at_ns=1_000_000_000), now_ns=1_004_600_000
    )
    assert_messages_match(messages, vector)


def test_metrics_are_real_measurements() -> None:
    outcome = outcome_for(
        "reject-record", received_at_ns=1_433_915_386_875_000_000, processing_ns=4_419_215
    )
    [_, internal] = render_outcome(outcome, now_ns=1_433_915_386_880_400_000)
    assert internal["data"]["metrics"] == {
        "eventProcessing": {
            "serverGenerationTimestamp": 1_433_915_386_880,
            "nodeProcessingTimeNanos": 4_419_215,
            "serverProcessingTimeTotalMs": 5,
        }
    }


def test_a_failure_is_an_error_notification_and_a_campaign_has_its_own_block() -> None:
    ok = outcome_for("reject-record", received_at_ns=0)
    failed = CommandFailed(
        **ok.model_dump(
            exclude={"type", "notification_type", "reference_id", "message_type", "subject"}
        ),
        message_type="OutboundCampaignMessage",
        subject={"campaignName": "Campaign1"},
        error_code=106,
        error_message="Preview session not started",
    )
    [outbound, _] = render_outcome(failed, now_ns=0)
    assert outbound == {
        "channel": "/v2/me/outbound",
        "data": {
            "messageType": "OutboundCampaignMessage",
            "notificationType": "Error",
            "errorCode": 106,
            "errorMessage": "Preview session not started",
            "campaign": {"campaignName": "Campaign1"},
        },
    }
