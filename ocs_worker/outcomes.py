"""The user events OCS raises for a desktop request, as `ocs.events` carries them.

Rule (documented in docs/ocs-worker.md): a user event echoes the request's GSW_* parameters
(only those the request gave) plus `GSW_USER_EVENT`; the `record` block names the device, the
campaign and the record the request addressed.
"""

from dataclasses import dataclass
from enum import IntEnum
from typing import Any, Protocol

from pydantic import JsonValue

from outbound_contracts.commands import AgentCommand
from outbound_contracts.events import CommandFailed, GswValue, MessageType, UserEventRaised
from outbound_contracts.records import CallingListRecord
from outbound_contracts.vocabulary import PhoneType

Outcome = UserEventRaised | CommandFailed

_PHONE_TYPES = list(PhoneType)


class OcsError(IntEnum):
    """The worker's error numbers (spec §3), each with its message."""

    RECORD_NOT_FOUND = 101
    NOT_HELD = 102
    ALREADY_FINAL = 103
    NO_CAMPAIGN = 104
    LIST_NOT_IN_CAMPAIGN = 105
    NO_PREVIEW_SESSION = 106
    NO_RECORDS = 107
    PHONE_MISMATCH = 108
    NOT_ALLOWED = 109

    @property
    def message(self) -> str:
        return _MESSAGES[self]


_MESSAGES = {
    OcsError.RECORD_NOT_FOUND: "Record not found",
    OcsError.NOT_HELD: "Record not held by this agent",
    OcsError.ALREADY_FINAL: "Record already final",
    OcsError.NO_CAMPAIGN: "Campaign not found or not running",
    OcsError.LIST_NOT_IN_CAMPAIGN: "Calling list not in campaign",
    OcsError.NO_PREVIEW_SESSION: "Preview session not started",
    OcsError.NO_RECORDS: "No Records Available",
    OcsError.PHONE_MISMATCH: "Phone number does not match the record",
    OcsError.NOT_ALLOWED: "Operation not allowed in the record's state",
}


def request_user_data(command: AgentCommand) -> dict[str, GswValue]:
    """The request's GSW_* parameters, as OCS echoes them in its user event."""
    data: dict[str, GswValue] = {
        "GSW_APPLICATION_ID": command.application_id,
        "GSW_CAMPAIGN_NAME": command.campaign_name,
    }
    fields: dict[str, Any] = vars(command)
    for attribute, key in _ECHOED:
        value = fields.get(attribute)
        if value is not None:
            data[key] = _gsw_value(value)
    return data


_ECHOED = (
    ("record_handle", "GSW_RECORD_HANDLE"),
    ("calling_list", "GSW_CALLING_LIST"),
    ("phone_number", "GSW_PHONE"),
    ("chain_attribute", "GSW_CHAIN_ATTR"),
    ("call_result", "GSW_CALL_RESULT"),
    ("time_zone", "GSW_TZ_NAME"),
    ("phone_type", "GSW_PHONE_TYPE"),
    ("daily_from", "GSW_FROM"),
    ("daily_till", "GSW_UNTIL"),
    ("callback_type", "GSW_CALLBACK_TYPE"),
    ("timestamp", "GSW_DATE_TIME"),
    ("chain_id", "GSW_CHAIN_ID"),
)


def _gsw_value(value: object) -> GswValue:
    if isinstance(value, PhoneType):
        return _PHONE_TYPES.index(value)  # the calling list's contact_info_type
    if isinstance(value, IntEnum):
        return int(value)
    if isinstance(value, str | int | float | bool):
        return value
    raise TypeError(f"no GSW representation for {value!r}")


class Addressee(Protocol):
    """Whom an outcome is for: a request's agent, or the agent a callback is pushed to."""

    @property
    def device_id(self) -> str: ...
    @property
    def application_id(self) -> int: ...
    @property
    def campaign_name(self) -> str: ...


@dataclass(frozen=True, slots=True)
class PushedTo:
    """An agent who hears of a record unasked (a ScheduledCall), on a device of its session."""

    user_name: str
    device_id: str
    application_id: int
    campaign_name: str


def record_block(
    command: Addressee,
    *,
    calling_list: str | None,
    record_handle: int | None,
    phone_number: str | None = None,
) -> dict[str, JsonValue]:
    block: dict[str, JsonValue] = {"devicePath": f"/devices/{command.device_id}"}
    if calling_list is not None:
        block["callingList"] = calling_list
    block["applicationId"] = command.application_id
    if record_handle is not None:
        block["recordHandle"] = record_handle
    if phone_number is not None:
        block["phoneNumber"] = phone_number
    block["campaignName"] = command.campaign_name
    return block


def campaign_block(command: AgentCommand, *, state: str) -> dict[str, JsonValue]:
    return {
        "name": command.campaign_name,
        "dialingMode": "Preview",
        "state": state,
        "devicePath": f"/devices/{command.device_id}",
        "applicationId": command.application_id,
        "description": "",
    }


def record_user_data(
    record: CallingListRecord, *, user_event: str, agent: str, command_id: str, tz_offset: int
) -> dict[str, GswValue]:
    """A record as OCS hands it to the desktop (PreviewRecord, ChainedRecord)."""
    data: dict[str, GswValue] = {
        "GSW_AGENT_ID": agent,
        "GSW_CALL_RESULT": int(record.call_result),
        "GSW_CALL_ATTEMPT_GUID": f"{command_id}:{record.record_handle}",
        "GSW_TZ_NAME": record.time_zone,
        "GSW_TZ_OFFSET": tz_offset,
        "GSW_CALLING_LIST": record.calling_list,
        "GSW_ATTEMPTS": record.attempts,
        "GSW_USER_EVENT": user_event,
        "GSW_PHONE": record.phone,
        "GSW_RECORD_HANDLE": record.record_handle,
        "GSW_RECORD_TYPE": record.record_type.code,
        "GSW_CHAIN_ID": record.chain_id,
        "InteractionType": "Outbound",
        "InteractionSubtype": "OutboundNew",
    }
    return {**record.custom_fields, **data}


def acknowledged(
    command: AgentCommand,
    notification_type: str,
    subject: dict[str, JsonValue],
    user_data: dict[str, GswValue],
    *,
    message_type: MessageType = "OutboundRecordMessage",
    sequence: int = 0,
) -> UserEventRaised:
    return UserEventRaised(
        **_addressed(command),
        sequence=sequence,
        message_type=message_type,
        subject=subject,
        user_data=user_data,
        notification_type=notification_type,
    )


def failed(
    command: AgentCommand,
    error: OcsError,
    subject: dict[str, JsonValue],
    *,
    message_type: MessageType = "OutboundRecordMessage",
) -> CommandFailed:
    user_data = {
        **request_user_data(command),
        "GSW_USER_EVENT": "Error",
        "GSW_ERROR": error.message,
        "GSW_ERROR_NUMBER": int(error),
    }
    return CommandFailed(
        **_addressed(command),
        message_type=message_type,
        subject=subject,
        user_data=user_data,
        error_code=int(error),
        error_message=error.message,
    )


def scheduled_call(
    to: PushedTo,
    record: CallingListRecord,
    *,
    command_id: str,
    at_ns: int,
    tz_offset: int,
    sequence: int,
) -> UserEventRaised:
    """A due personal callback pushed to its agent: a PreviewRecord's blocks, unasked."""
    user_data = record_user_data(
        record,
        user_event="ScheduledCall",
        agent=to.user_name,
        command_id=command_id,
        tz_offset=tz_offset,
    )
    block = record_block(to, calling_list=record.calling_list, record_handle=record.record_handle)
    block["userData"] = dict(user_data)
    return UserEventRaised(
        command_id=command_id,
        sequence=sequence,
        user_name=to.user_name,
        device_id=to.device_id,
        received_at_ns=at_ns,
        processing_ns=0,
        message_type="OutboundRecordMessage",
        subject=block,
        user_data=user_data,
        notification_type="ScheduledCall",
    )


def _addressed(command: AgentCommand) -> dict[str, Any]:
    """Who hears of the command, and its timings (processing time: measured by the shell)."""
    return {
        "command_id": command.command_id,
        "user_name": command.user_name,
        "device_id": command.device_id,
        "reference_id": command.reference_id,
        "received_at_ns": command.received_at_ns,
        "processing_ns": 0,
    }
