"""The CometD messages a request must produce (spec §3, docs/ocs-worker.md), written from the
documented rules rather than from the services' code, and their comparison with what a session
received: every field and every type. The metrics are measurements, so of them it is checked
that they are real and fit the time the exchange took."""

import re
import time
from dataclasses import dataclass
from typing import Any

from tests.system.cometd import Message
from tests.system.outbound_api import Request

OUTBOUND = "/v2/me/outbound"
INTERNAL = "/me/internal"
ERROR_MESSAGES = {
    101: "Record not found",
    102: "Record not held by this agent",
    103: "Record already final",
    104: "Campaign not found or not running",
    105: "Calling list not in campaign",
    106: "Preview session not started",
    107: "No Records Available",
    108: "Phone number does not match the record",
    109: "Operation not allowed in the record's state",
}
CALL_RESULT_CODES = {"Answer": 33, "CancelRecord": 52, "DoNotCall": 51, "UnknownCallResult": 28}
"""OCS call results (gsw-reference.md), as GSW_CALL_RESULT carries them."""
PHONE_TYPE_CODES = {"NoContactType": 0, "HomePhone": 1, "Mobile": 4}
"""Phone types (gsw-reference.md), as GSW_PHONE_TYPE carries them (contact_info_type)."""
_ECHOED = {
    "callingList": "GSW_CALLING_LIST",
    "phoneNumber": "GSW_PHONE",
    "chainAttribute": "GSW_CHAIN_ATTR",
    "callResult": "GSW_CALL_RESULT",
    "timeZone": "GSW_TZ_NAME",
    "phoneType": "GSW_PHONE_TYPE",
    "from": "GSW_FROM",
    "until": "GSW_UNTIL",
    "callbackType": "GSW_CALLBACK_TYPE",
    "timestamp": "GSW_DATE_TIME",
    "chainId": "GSW_CHAIN_ID",
}
_METRICS = {"serverGenerationTimestamp", "nodeProcessingTimeNanos", "serverProcessingTimeTotalMs"}


@dataclass(frozen=True, eq=False)
class Like:
    """A string known only by its form (it holds an id the test cannot know)."""

    pattern: str

    def __eq__(self, other: object) -> bool:
        return isinstance(other, str) and re.fullmatch(self.pattern, other) is not None

    __hash__ = None  # type: ignore[assignment]  # equal to many strings: never a key


def request_user_data(request: Request) -> dict[str, Any]:
    """The request's GSW_* parameters, only those it gave, as OCS echoes them."""
    data: dict[str, Any] = {
        "GSW_APPLICATION_ID": request.application_id,
        "GSW_CAMPAIGN_NAME": request.campaign_name,
    }
    if request.record_handle is not None:
        data["GSW_RECORD_HANDLE"] = request.record_handle
    for parameter, key in _ECHOED.items():
        if parameter in request.body:
            value = request.body[parameter]
            codes = {"callResult": CALL_RESULT_CODES, "phoneType": PHONE_TYPE_CODES}
            data[key] = codes[parameter][value] if parameter in codes else value
    return data


def record_subject(
    request: Request, calling_list: str | None = None, *, phone_number: str | None = None
) -> dict[str, Any]:
    """The `record` block: the request's calling list, else `calling_list` (the record's)."""
    subject: dict[str, Any] = {"devicePath": request.device_path}
    listed = request.body.get("callingList", calling_list)
    if listed is not None:
        subject["callingList"] = listed
    subject["applicationId"] = request.application_id
    if request.record_handle is not None:
        subject["recordHandle"] = request.record_handle
    if phone_number is not None:
        subject["phoneNumber"] = phone_number
    subject["campaignName"] = request.campaign_name
    return subject


def campaign_subject(request: Request, state: str) -> dict[str, Any]:
    return {
        "name": request.campaign_name,
        "dialingMode": "Preview",
        "state": state,
        "devicePath": request.device_path,
        "applicationId": request.application_id,
        "description": "",
    }


def messages(
    request: Request,
    notification: str,
    subject: dict[str, Any],
    user_data: dict[str, Any],
) -> list[Message]:
    """The two messages of one outcome about `subject`: a `record` block, or a `campaign` one
    (which, unlike a record block, has a `name`)."""
    campaign = "name" in subject
    outbound: dict[str, Any] = {
        "messageType": "OutboundCampaignMessage" if campaign else "OutboundRecordMessage",
        "notificationType": notification,
        "referenceId": request.reference_id,
        "campaign" if campaign else "record": subject,
    }
    internal = {
        "messageType": "DeviceUserEventMessage",
        "deviceId": request.device_id,
        "userData": user_data,
    }
    return [{"channel": OUTBOUND, "data": outbound}, {"channel": INTERNAL, "data": internal}]


def acknowledgement(
    request: Request, notification: str, subject: dict[str, Any], *, user_event: str | None = None
) -> list[Message]:
    """A success: the request's GSW_* keys and the OCS user event (by default the same name
    as the notification)."""
    user_data = {**request_user_data(request), "GSW_USER_EVENT": user_event or notification}
    return messages(request, notification, subject, user_data)


def failure(request: Request, code: int, subject: dict[str, Any]) -> list[Message]:
    """A worker-found error: notificationType Error with errorCode/errorMessage; userData with
    GSW_USER_EVENT Error, GSW_ERROR and GSW_ERROR_NUMBER beside the request's GSW_* keys."""
    user_data = {
        **request_user_data(request),
        "GSW_USER_EVENT": "Error",
        "GSW_ERROR": ERROR_MESSAGES[code],
        "GSW_ERROR_NUMBER": code,
    }
    failed = messages(request, "Error", subject, user_data)
    failed[0]["data"] |= {"errorCode": code, "errorMessage": ERROR_MESSAGES[code]}
    return failed


def assert_outcome(received: list[Message], expected: list[Message], *, sent_at_ns: int) -> None:
    """`received` is `expected` field by field and type by type; the /me/internal metrics are
    real measurements made between `sent_at_ns` (before the request was sent) and now."""
    assert [m["channel"] for m in received] == [m["channel"] for m in expected]
    now_ns = time.time_ns()
    for got, want in zip(received, expected, strict=True):
        got_data, want_data = dict(got["data"]), dict(want["data"])
        want_data.pop("metrics", None)
        if got["channel"] == INTERNAL:
            _check_metrics(got_data.pop("metrics"), sent_at_ns, now_ns)
        assert got_data == want_data
        assert _typed(got_data) == _typed(want_data)


def _check_metrics(metrics: dict[str, Any], sent_at_ns: int, now_ns: int) -> None:
    assert set(metrics) == {"eventProcessing"}
    measured = metrics["eventProcessing"]
    assert set(measured) == _METRICS
    assert all(type(value) is int for value in measured.values()), measured
    elapsed_ns = now_ns - sent_at_ns
    assert sent_at_ns // 10**6 <= measured["serverGenerationTimestamp"] <= now_ns // 10**6
    assert 0 <= measured["serverProcessingTimeTotalMs"] <= elapsed_ns // 10**6
    assert 0 < measured["nodeProcessingTimeNanos"] <= elapsed_ns


def _typed(value: Any) -> Any:
    """`value` with every leaf paired with its JSON type, so that 1, 1.0 and True differ."""
    if isinstance(value, dict):
        return {key: _typed(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_typed(item) for item in value]
    kind = "str" if isinstance(value, Like) else type(value).__name__
    return (kind, value)


_PREVIEW_SESSION_CHANGES = {
    "PreviewSessionStarted": ("Started", "PreviewDialingModeStartAcknowledge"),
    "PreviewSessionEnded": ("Stopped", "PreviewDialingModeOverAcknowledge"),
}


def preview_session(request: Request, notification: str) -> list[Message]:
    """PreviewSessionStarted or PreviewSessionEnded: the campaign block and the OCS event."""
    state, user_event = _PREVIEW_SESSION_CHANGES[notification]
    return acknowledgement(
        request, notification, campaign_subject(request, state), user_event=user_event
    )
