"""Reading a calling list in the Genesys column layout from CSV, refusing bad rows by line.

Columns (Genesys calling-list fields): `record_id` (the record handle), `chain_id`, `chain_n`,
`contact_info` (the phone), `contact_info_type` (Genesys code 0-11 or the GWS name), `tz_name`
(an IANA zone or a Genesys short name), `daily_from`, `daily_till` (seconds since midnight)
are required. Optional:
`calling_list`, `record_type`, `record_status` (each the Genesys code or the name),
`call_result` (OCS code), `attempt`,
`agent_id`, `dial_sched_time` (Unix seconds). Any other column is a custom field.
"""

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pydantic import ValidationError

from outbound_contracts.records import CallingListRecord
from outbound_contracts.time_zones import known_time_zone
from outbound_contracts.vocabulary import PhoneType, RecordStatus, RecordType

REQUIRED = (
    "record_id",
    "chain_id",
    "chain_n",
    "contact_info",
    "contact_info_type",
    "tz_name",
    "daily_from",
    "daily_till",
)
_RENAMED = {
    "record_id": "record_handle",
    "contact_info": "phone",
    "contact_info_type": "phone_type",
    "tz_name": "time_zone",
    "attempt": "attempts",
}
_OPTIONAL = {
    "calling_list",
    "record_type",
    "record_status",
    "call_result",
    "agent_id",
    "dial_sched_time",
}
_CODED: dict[str, tuple[str, type[StrEnum], str]] = {
    "phone_type": ("contact_info_type", PhoneType, "contact type"),
    "record_type": ("record_type", RecordType, "record type"),
    "record_status": ("record_status", RecordStatus, "record status"),
}
"""Columns given as the Genesys number (the member's position) or the name."""


@dataclass(frozen=True, slots=True)
class Row:
    line: int
    record: CallingListRecord


class CallingListError(ValueError):
    """The file cannot be imported; `problems` names each bad line."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def read_calling_list(lines: Iterable[str], default_list: str) -> list[Row]:
    """Every row, or a CallingListError naming every bad line (then nothing is imported)."""
    reader = csv.DictReader(lines)
    missing = [column for column in REQUIRED if column not in (reader.fieldnames or [])]
    if missing:
        raise CallingListError([f"line 1: missing column(s) {', '.join(missing)}"])
    rows: list[Row] = []
    problems: list[str] = []
    for values in reader:
        line = reader.line_num
        try:
            rows.append(Row(line, _record(values, default_list)))
        except (ValidationError, ValueError) as error:
            problems.append(f"line {line}: {_describe(error)}")
    if problems:
        raise CallingListError(problems)
    return rows


def _record(values: dict[str | Any, str | Any], default_list: str) -> CallingListRecord:
    if None in values:
        raise ValueError("more values than columns")
    fields: dict[str, Any] = {"calling_list": default_list}
    custom: dict[str, str] = {}
    for column, value in values.items():
        if value is None or value == "":
            if column in REQUIRED:
                raise ValueError(f"{column} is empty")
            continue
        if column in REQUIRED or column in _OPTIONAL or column in _RENAMED:
            fields[_RENAMED.get(column, column)] = value
        else:
            custom[column] = value
    for field, (column, vocabulary, what) in _CODED.items():
        if field in fields:
            fields[field] = _code_or_name(fields[field], column, list(vocabulary), what)
    known_time_zone(fields["time_zone"])
    return CallingListRecord.model_validate({**fields, "custom_fields": custom})


def _code_or_name(text: str, column: str, members: list[StrEnum], what: str) -> StrEnum:
    if text.isdigit():
        if int(text) >= len(members):
            raise ValueError(f"{column} {text} is not a Genesys {what} (0-{len(members) - 1})")
        return members[int(text)]
    for member in members:  # Genesys spells some with a capital B: PersonalCallBack
        if member.value.casefold() == text.casefold():
            return member
    raise ValueError(f"{column} {text!r} is not a Genesys {what}")


def _describe(error: ValidationError | ValueError) -> str:
    if not isinstance(error, ValidationError):
        return str(error)
    columns = {field: column for column, field in _RENAMED.items()}
    return "; ".join(
        f"{columns.get(str(detail['loc'][0]), detail['loc'][0])}: {detail['msg']}"
        for detail in error.errors(include_url=False)
    )
