"""The compatibility gate: the gate itself on synthetic before/after schemas, then every
message of the contract against its released schema (outbound_contracts/released/)."""

from collections.abc import Callable
from enum import StrEnum
from typing import Annotated, Literal

import pytest
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from outbound_contracts.changelog import decode_change
from outbound_contracts.codec import decode_command, decode_event, decode_revocation
from outbound_contracts.compatibility import (
    breaking_changes,
    smallest_instance,
    undecodable_releases,
)
from outbound_contracts.schemas import (
    MESSAGES,
    message_schema,
    released_schema,
    schema_version,
)
from outbound_contracts.topics import COMMANDS, EVENTS, RECORDS_CHANGELOG, SESSION_REVOCATIONS


class Colour(StrEnum):
    RED = "Red"
    BLUE = "Blue"


class Inner(BaseModel):
    model_config = ConfigDict(extra="forbid")
    line: int
    reason: str


class Before(BaseModel):
    model_config = ConfigDict(extra="forbid")
    schema_version: Literal[1] = 1
    type: Literal["Thing"] = "Thing"
    name: str = Field(min_length=1)
    count: int | None = None
    ratio: float = 0.0
    colour: Colour = Colour.RED
    inner: Inner | None = None
    items: list[Inner] = Field(default_factory=list)


# The `After` classes below redefine fields of `Before` with other types on purpose (mypy's
# `assignment` errors): each is the schema change under test.
def gate(after: type[BaseModel]) -> list[str]:
    return breaking_changes(message_schema(Before), message_schema(after))


def test_the_same_schema_passes() -> None:
    assert gate(Before) == []


def test_additive_changes_pass() -> None:
    class WiderColour(StrEnum):
        RED = "Red"
        BLUE = "Blue"
        GREEN = "Green"

    class After(Before):
        nickname: str | None = None  # an optional field
        ratio: float | str = 0.0  # type: ignore[assignment]  # a wider type
        colour: WiderColour = WiderColour.RED  # type: ignore[assignment]  # a new enum value
        count: float | None = None  # type: ignore[assignment]  # integer -> number

    assert gate(After) == []


def test_a_removed_field_breaks() -> None:
    class After(BaseModel):
        schema_version: Literal[1] = 1
        type: Literal["Thing"] = "Thing"
        name: str = Field(min_length=1)
        count: int | None = None
        colour: Colour = Colour.RED
        inner: Inner | None = None
        items: list[Inner] = Field(default_factory=list)

    assert gate(After) == ["ratio: field removed (or renamed)"]


def test_a_renamed_field_breaks() -> None:
    class After(BaseModel):
        schema_version: Literal[1] = 1
        type: Literal["Thing"] = "Thing"
        title: str = Field(min_length=1)
        count: int | None = None
        ratio: float = 0.0
        colour: Colour = Colour.RED
        inner: Inner | None = None
        items: list[Inner] = Field(default_factory=list)

    problems = gate(After)
    assert "name: field removed (or renamed)" in problems
    assert "title: required field added" in problems


@pytest.mark.parametrize(
    ("annotation", "expected"),
    [
        (int, "count: type narrowed from ['integer', 'null'] to ['integer']"),
        (Annotated[int | None, Field(ge=1)], "count: minimum raised"),
        (str | None, "count: type narrowed from ['integer', 'null'] to ['null', 'string']"),
    ],
)
def test_a_narrowed_type_breaks(annotation: object, expected: str) -> None:
    after = type("After", (Before,), {"__annotations__": {"count": annotation}, "count": None})
    assert expected in gate(after)


def test_a_tighter_string_breaks() -> None:
    class After(Before):
        name: str = Field(min_length=3)

    assert gate(After) == ["name: minLength raised"]


def test_a_float_narrowed_to_an_integer_breaks() -> None:
    class After(Before):
        ratio: int = 0

    assert gate(After) == ["ratio: type narrowed from ['number'] to ['integer']"]


def test_an_added_required_field_breaks() -> None:
    class After(Before):
        owner: str

    assert gate(After) == ["owner: required field added"]


def test_an_optional_field_made_required_breaks() -> None:
    class After(Before):
        count: int

    assert "count: made required" in gate(After)


def test_a_removed_enum_value_breaks() -> None:
    class NarrowColour(StrEnum):
        RED = "Red"

    class After(Before):
        colour: NarrowColour = NarrowColour.RED  # type: ignore[assignment]

    assert gate(After) == ["colour: enum value(s) removed: ['Blue']"]


def test_changes_inside_nested_objects_and_lists_break() -> None:
    class SlimInner(BaseModel):
        model_config = ConfigDict(extra="forbid")
        line: int

    class After(Before):
        inner: SlimInner | None = None  # type: ignore[assignment]
        items: list[SlimInner] = Field(default_factory=list)  # type: ignore[assignment]

    assert gate(After) == [
        "inner.reason: field removed (or renamed)",
        "items[].reason: field removed (or renamed)",
    ]


class ThingV2(BaseModel):
    """The breaking successor: `name` renamed, so the version moves to 2."""

    model_config = ConfigDict(extra="forbid")
    schema_version: Literal[2] = 2
    type: Literal["Thing"] = "Thing"
    title: str = Field(min_length=1)


def test_a_moved_version_must_keep_the_old_one_decodable() -> None:
    released = {1: message_schema(Before)}
    only_v2: TypeAdapter[ThingV2] = TypeAdapter(ThingV2)
    both: TypeAdapter[Before | ThingV2] = TypeAdapter(
        Annotated[Before | ThingV2, Field(discriminator="schema_version")]
    )
    [problem] = undecodable_releases(released, only_v2.validate_json)
    assert problem.startswith("version 1 no longer decodes")
    assert undecodable_releases(released, both.validate_json) == []


def test_the_smallest_instance_of_a_schema_is_valid() -> None:
    instance = smallest_instance(message_schema(Before))
    assert Before.model_validate(instance).name == "x"


DECODERS: dict[str, Callable[[bytes], object]] = {
    COMMANDS: decode_command,
    EVENTS: decode_event,
    RECORDS_CHANGELOG: decode_change,
    SESSION_REVOCATIONS: decode_revocation,
}
CONTRACT = [(topic, model) for topic, models in MESSAGES.items() for model in models]


@pytest.mark.parametrize(("topic", "model"), CONTRACT, ids=lambda v: getattr(v, "__name__", v))
def test_the_message_keeps_its_released_schema(topic: str, model: type[BaseModel]) -> None:
    version = schema_version(model)
    released = released_schema(model, version)
    assert released is not None, (
        f"{model.__name__} v{version} is not released: review it, then run "
        "`python -m outbound_contracts.compatibility release` (docs/contract.md)"
    )
    assert breaking_changes(released, message_schema(model)) == [], (
        f"a breaking change to {model.__name__}: move its schema_version and keep version "
        f"{version} decodable (docs/contract.md)"
    )
    older = {v: s for v in range(1, version) if (s := released_schema(model, v)) is not None}
    assert undecodable_releases(older, DECODERS[topic]) == []
