"""An agent outcome rendered as the two CometD messages of the GWS v2 API, in order."""

from typing import Any

from outbound_contracts.events import AgentOutcome, CommandFailed, UserEventRaised

OUTBOUND_CHANNEL = "/v2/me/outbound"
INTERNAL_CHANNEL = "/me/internal"

Message = dict[str, Any]


def render_outcome(
    outcome: UserEventRaised | CommandFailed, *, now_ns: int, position: str | None = None
) -> list[Message]:
    """Message 1 on `/v2/me/outbound`, message 2 on `/me/internal` (see the spec's vectors),
    each with `ext.replay` naming the outcome's `position` in `ocs.events`."""
    messages: list[Message] = [
        {"channel": OUTBOUND_CHANNEL, "data": _outbound_data(outcome)},
        {"channel": INTERNAL_CHANNEL, "data": _internal_data(outcome, now_ns)},
    ]
    if position is not None:
        for message in messages:
            message["ext"] = {"replay": position}
    return messages


def _outbound_data(outcome: UserEventRaised | CommandFailed) -> dict[str, Any]:
    data: dict[str, Any] = {"messageType": outcome.message_type}
    if isinstance(outcome, CommandFailed):
        data["notificationType"] = "Error"
        data["errorCode"] = outcome.error_code
        data["errorMessage"] = outcome.error_message
    else:
        data["notificationType"] = outcome.notification_type
    if outcome.reference_id is not None:
        data["referenceId"] = outcome.reference_id
    subject_key = "record" if outcome.message_type == "OutboundRecordMessage" else "campaign"
    data[subject_key] = outcome.subject
    return data


def _internal_data(outcome: AgentOutcome, now_ns: int) -> dict[str, Any]:
    return {
        "messageType": "DeviceUserEventMessage",
        "deviceId": outcome.device_id,
        "userData": outcome.user_data,
        "metrics": {
            "eventProcessing": {
                "serverGenerationTimestamp": now_ns // 1_000_000,
                "nodeProcessingTimeNanos": outcome.processing_ns,
                "serverProcessingTimeTotalMs": max(0, now_ns - outcome.received_at_ns) // 1_000_000,
            }
        },
    }
