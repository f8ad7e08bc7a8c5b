"""Bytes on Kafka <-> contract models. Decoding refuses malformed input with a clear reason."""

from typing import TypeVar

from pydantic import BaseModel, TypeAdapter, ValidationError

from outbound_contracts.commands import Command
from outbound_contracts.events import Event
from outbound_contracts.revocations import SessionRevoked

_commands: TypeAdapter[Command] = TypeAdapter(Command)
_events: TypeAdapter[Event] = TypeAdapter(Event)
_revocations: TypeAdapter[SessionRevoked] = TypeAdapter(SessionRevoked)

T = TypeVar("T")


class ContractViolation(ValueError):
    """A Kafka message that is not a valid message of this contract."""


def encode(message: BaseModel) -> bytes:
    # The model's serializer writes the JSON bytes that `model_dump_json` would decode to str
    # (and we would encode back): the same bytes, without the two copies.
    return message.__pydantic_serializer__.to_json(message)


def decode_command(raw: bytes | None) -> Command:
    return _decode(_commands, raw, "command")


def decode_event(raw: bytes | None) -> Event:
    return _decode(_events, raw, "event")


def decode_revocation(raw: bytes | None) -> SessionRevoked:
    return _decode(_revocations, raw, "revocation")


def _decode(adapter: TypeAdapter[T], raw: bytes | None, kind: str) -> T:
    if raw is None:
        raise ContractViolation(f"empty {kind} message (tombstone or null value)")
    try:
        return adapter.validate_json(raw)
    except ValidationError as error:
        raise ContractViolation(f"invalid {kind}: {_describe(error)}") from error


def _describe(error: ValidationError) -> str:
    problems = []
    for detail in error.errors(include_url=False, include_input=False)[:5]:
        location = ".".join(str(part) for part in detail["loc"]) or "message"
        problems.append(f"{location}: {detail['msg']}")
    more = error.error_count() - len(problems)
    return "; ".join(problems) + (f" (and {more} more)" if more > 0 else "")
