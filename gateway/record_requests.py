"""From a raw GWS request body to a contract command, checking in the spec's order:
JSON and operationName, required parameters, then types and values. Unknown fields are
ignored, as GWS does."""

import json
import uuid
from typing import Any

from gateway.errors import GwsError, invalid, missing
from outbound_contracts.commands import CancelRecord, RecordCommand, RejectRecord
from outbound_contracts.vocabulary import ChainAttribute

COMMON_REQUIRED = ("applicationId", "campaignName", "devicePath")
_REQUIRED = {"RejectRecord": ("callingList",), "CancelRecord": ("callingList",)}
_DEVICE_PREFIX = "/devices/"


def parse_body(raw: bytes) -> dict[str, Any]:
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as error:
        raise GwsError(400, 2, "Malformed JSON body: expected a JSON object") from error
    if not isinstance(body, dict):
        raise GwsError(400, 2, "Malformed JSON body: expected a JSON object")
    return body


def operation_of(body: dict[str, Any]) -> str:
    if "operationName" not in body:
        raise missing("operationName")
    operation = body["operationName"]
    if operation not in _REQUIRED:
        raise invalid("operationName", f"one of {', '.join(_REQUIRED)}")
    return str(operation)


def record_command(
    operation: str, handle_text: str, body: dict[str, Any], *, user_name: str, received_at_ns: int
) -> RecordCommand:
    for parameter in (*COMMON_REQUIRED, *_REQUIRED[operation]):
        if body.get(parameter) is None:
            raise missing(parameter)
    fields: dict[str, object] = {
        "command_id": uuid.uuid4().hex,
        "application_id": _integer(body, "applicationId"),
        "campaign_name": _text(body, "campaignName"),
        "user_name": user_name,
        "device_id": device_id_of(body),
        "reference_id": _optional_text(body, "referenceId"),
        "received_at_ns": received_at_ns,
        "record_handle": record_handle(handle_text),
        "calling_list": _text(body, "callingList"),
    }
    if operation == "RejectRecord":
        return RejectRecord.model_validate(fields)
    fields["phone_number"] = _optional_text(body, "phoneNumber")
    fields["chain_attribute"] = _chain_attribute(body)
    return CancelRecord.model_validate(fields)


def record_handle(text: str) -> int:
    if not text.isdigit():
        raise invalid("recordHandle", "a non-negative integer")
    return int(text)


def device_id_of(body: dict[str, Any]) -> str:
    path = _text(body, "devicePath")
    if not path.startswith(_DEVICE_PREFIX) or len(path) == len(_DEVICE_PREFIX):
        raise invalid("devicePath", "a device path '/devices/<id>'")
    return path.removeprefix(_DEVICE_PREFIX)


def _integer(body: dict[str, Any], parameter: str) -> int:
    value = body[parameter]
    if isinstance(value, bool) or not isinstance(value, int):
        raise invalid(parameter, "an integer")
    return value


def _text(body: dict[str, Any], parameter: str) -> str:
    value = body[parameter]
    if not isinstance(value, str) or not value:
        raise invalid(parameter, "a non-empty string")
    return value


def _optional_text(body: dict[str, Any], parameter: str) -> str | None:
    return None if body.get(parameter) is None else _text(body, parameter)


def _chain_attribute(body: dict[str, Any]) -> ChainAttribute | None:
    value = body.get("chainAttribute")
    if value is None:
        return None
    allowed = [attribute.value for attribute in ChainAttribute]
    if value not in allowed:
        raise invalid("chainAttribute", f"one of {', '.join(allowed)}")
    return ChainAttribute(value)
