"""The compatibility gate: would a message of the new schema, or a reader of it, break an
existing consumer or producer of the released one?

Breaking: a field removed or renamed, a field's type narrowed (fewer JSON types, a tighter
bound, a changed constant), a required field added (or an optional one made required), an enum
value removed, anywhere in the message. Additive changes (an optional field, a wider type, a
new enum value) are not. `python -m outbound_contracts.compatibility release` keeps the schema
of every message not yet released at its `schema_version` (docs/contract.md)."""

import json
import sys
from collections.abc import Callable
from typing import Any

from outbound_contracts.schemas import (
    MESSAGES,
    JsonSchema,
    message_schema,
    released_path,
    schema_version,
)

_LOWER_BOUNDS = ("minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties")
_UPPER_BOUNDS = ("maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties")


def breaking_changes(old: JsonSchema, new: JsonSchema, path: str = "") -> list[str]:
    """Every way `new` breaks what `old` promised, each naming the field's path."""
    problems = _narrowing(old, new, path or "message")
    old_objects = [a for a in _alternatives(old) if "properties" in a]
    new_objects = [a for a in _alternatives(new) if "properties" in a]
    if old_objects and new_objects:
        problems += _object_changes(old_objects[0], new_objects[0], path)
    old_items, new_items = _items(old), _items(new)
    if old_items is not None and new_items is not None:
        problems += breaking_changes(old_items, new_items, f"{path}[]")
    return problems


def _object_changes(old: JsonSchema, new: JsonSchema, path: str) -> list[str]:
    problems = []
    prefix = f"{path}." if path else ""
    old_fields, new_fields = old["properties"], new["properties"]
    for name, field in old_fields.items():
        if name not in new_fields:
            problems.append(f"{prefix}{name}: field removed (or renamed)")
        else:
            problems += breaking_changes(field, new_fields[name], prefix + name)
    old_required = set(old.get("required", []))
    for name in sorted(set(new.get("required", [])) - old_required):
        was = "made required" if name in old_fields else "required field added"
        problems.append(f"{prefix}{name}: {was}")
    return problems


def _narrowing(old: JsonSchema, new: JsonSchema, path: str) -> list[str]:
    problems = []
    old_types, new_types = _types(old), _types(new)
    if not _accepts_types(new_types, old_types):
        problems.append(f"{path}: type narrowed from {sorted(old_types)} to {sorted(new_types)}")
    old_values, new_values = _values(old), _values(new)
    if new_values is not None:
        lost = (old_values or set()) - new_values if old_values is not None else {"any value"}
        if lost:
            problems.append(f"{path}: enum value(s) removed: {sorted(lost, key=str)}")
    for bound in _LOWER_BOUNDS:
        if _bound(new, bound, min) > _bound(old, bound, min):
            problems.append(f"{path}: {bound} raised")
    for bound in _UPPER_BOUNDS:
        if _bound(new, bound, max) < _bound(old, bound, max):
            problems.append(f"{path}: {bound} lowered")
    return problems


def _alternatives(schema: JsonSchema) -> list[JsonSchema]:
    """A schema as the list of its `anyOf`/`oneOf` branches (itself when it has none)."""
    branches = schema.get("anyOf") or schema.get("oneOf")
    if not branches:
        return [schema]
    return [leaf for branch in branches for leaf in _alternatives(branch)]


def _types(schema: JsonSchema) -> set[str]:
    found: set[str] = set()
    for branch in _alternatives(schema):
        declared = branch.get("type")
        if isinstance(declared, str):
            found.add(declared)
        elif isinstance(declared, list):
            found.update(declared)
        elif "const" in branch or "enum" in branch:
            found.update(_json_type(v) for v in branch.get("enum", [branch.get("const")]))
        else:
            found.add("any")
    return found


def _accepts_types(new: set[str], old: set[str]) -> bool:
    if "any" in new:
        return True
    return all(t in new or (t == "integer" and "number" in new) for t in old)


def _values(schema: JsonSchema) -> set[Any] | None:
    """The values the schema allows, when it lists them (`enum`/`const`); None: unlisted."""
    values: set[Any] = set()
    for branch in _alternatives(schema):
        if "const" in branch:
            values.add(_hashable(branch["const"]))
        elif "enum" in branch:
            values.update(_hashable(v) for v in branch["enum"])
        elif branch.get("type") != "null":
            return None
    return values


def _items(schema: JsonSchema) -> JsonSchema | None:
    for branch in _alternatives(schema):
        items = branch.get("items") or branch.get("additionalProperties")
        if isinstance(items, dict):
            return items
    return None


def _bound(schema: JsonSchema, keyword: str, pick: Any) -> float:
    """The loosest `keyword` among the non-null branches; unbounded as -inf/+inf."""
    unbounded = float("-inf") if pick is min else float("inf")
    branches = [b for b in _alternatives(schema) if b.get("type") != "null"]
    found = [b[keyword] for b in branches if keyword in b]
    if len(found) < len(branches):
        return unbounded  # some branch does not bound it
    return float(pick(found)) if found else unbounded


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    return {float: "number", str: "string", list: "array", dict: "object"}[type(value)]


def _hashable(value: Any) -> Any:
    return json.dumps(value, sort_keys=True) if isinstance(value, dict | list) else value


def undecodable_releases(
    released: dict[int, JsonSchema], decode: Callable[[bytes], object]
) -> list[str]:
    """The released versions whose messages `decode` (today's decoder) refuses, tried with the
    smallest message each released schema allows."""
    problems = []
    for version, schema in sorted(released.items()):
        try:
            decode(json.dumps(smallest_instance(schema)).encode())
        except ValueError as refusal:
            problems.append(f"version {version} no longer decodes: {refusal}")
    return problems


def smallest_instance(schema: JsonSchema) -> Any:
    """A value the schema accepts: required fields and constants only, each at its minimum."""
    if "const" in schema or "enum" in schema:
        return schema.get("enum", [schema.get("const")])[0]
    branch = _alternatives(schema)[0]
    kind = branch.get("type", "null")
    if kind == "object":
        fields = branch.get("properties", {})
        required = set(branch.get("required", []))
        return {
            name: smallest_instance(field)
            for name, field in fields.items()
            if name in required or "const" in field
        }
    if kind == "array":
        return [smallest_instance(branch.get("items", {}))] * branch.get("minItems", 0)
    if kind in ("integer", "number"):
        return branch.get("minimum", 0)
    if kind == "string":
        return "x" * max(1, branch.get("minLength", 1))
    return {"boolean": False}.get(kind)


def release() -> list[str]:
    """Writes the schema of every unreleased message at its version; never overwrites."""
    written = []
    for models in MESSAGES.values():
        for model in models:
            path = released_path(model, schema_version(model))
            if not path.exists():
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(json.dumps(message_schema(model), indent=2) + "\n")
                written.append(str(path))
    return written


if __name__ == "__main__":
    if sys.argv[1:] != ["release"]:
        sys.exit("usage: python -m outbound_contracts.compatibility release")
    for line in release() or ["every message is released at its version"]:
        print(line)
