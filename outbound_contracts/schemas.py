"""Every message of the topics as a self-contained JSON Schema 2020-12, and the schemas
as released (kept in `released/v{N}/`), which the compatibility gate compares against."""

import json
from pathlib import Path
from typing import Any, get_args

from pydantic import BaseModel

from outbound_contracts.changelog import Change
from outbound_contracts.commands import Command
from outbound_contracts.events import Event
from outbound_contracts.revocations import SessionRevoked
from outbound_contracts.topics import (
    COMMANDS,
    DEAD_LETTER,
    EVENTS,
    RECORDS_CHANGELOG,
    SESSION_REVOCATIONS,
)

JsonSchema = dict[str, Any]
DIALECT = "https://json-schema.org/draft/2020-12/schema"
RELEASED = Path(__file__).with_name("released")


def members(union: object) -> tuple[type[BaseModel], ...]:
    """The models of a discriminated union (`Annotated[A | B, Field(discriminator=...)]`)."""
    return get_args(get_args(union)[0])


MESSAGES: dict[str, tuple[type[BaseModel], ...]] = {
    COMMANDS: members(Command),
    EVENTS: members(Event),
    RECORDS_CHANGELOG: members(Change),
    DEAD_LETTER: (),  # the original bytes, whatever they were
    SESSION_REVOCATIONS: (SessionRevoked,),
}


def message_schema(model: type[BaseModel]) -> JsonSchema:
    """What a consumer of `model` accepts, every `$ref` inlined so that the schema stands on its
    own inside any document (AsyncAPI resolves `$ref` against its own root)."""
    schema = model.model_json_schema()
    definitions = schema.pop("$defs", {})
    return {"$schema": DIALECT, **_inline(schema, definitions)}


def schema_version(model: type[BaseModel]) -> int:
    """The version a model writes; the changelog's entries carry none and are version 1."""
    field = model.model_fields.get("schema_version")
    return 1 if field is None else int(field.default)


def released_path(model: type[BaseModel], version: int) -> Path:
    return RELEASED / f"v{version}" / f"{model.__name__}.json"


def released_schema(model: type[BaseModel], version: int) -> JsonSchema | None:
    path = released_path(model, version)
    return json.loads(path.read_text()) if path.exists() else None


def _inline(node: Any, definitions: dict[str, JsonSchema]) -> Any:
    if isinstance(node, dict):
        reference = node.get("$ref")
        if isinstance(reference, str) and reference.startswith("#/$defs/"):
            target = definitions[reference.removeprefix("#/$defs/")]
            siblings = {k: v for k, v in node.items() if k != "$ref"}
            return _inline({**target, **siblings}, definitions)
        return {key: _inline(value, definitions) for key, value in node.items()}
    if isinstance(node, list):
        return [_inline(item, definitions) for item in node]
    return node
