"""Arbitrary JSON as hostile clients write it (hypothesis strategies), and the strict reading
of what our servers answer."""

import json
from typing import Any

from hypothesis import strategies as st

# Any text, lone surrogates included: JSON can carry them as `\ud800` escapes.
hostile_text = st.lists(
    st.one_of(st.characters(), st.characters(categories=["Cs"])), max_size=20
).map("".join)

scalars: st.SearchStrategy[Any] = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    hostile_text,
)
# Numbers that are not JSON, though Python's `json` reads them (`1e400` as infinity).
non_finite_numbers = st.sampled_from(["NaN", "Infinity", "-Infinity", "1e400", "-1e400"])

json_values: st.SearchStrategy[Any] = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(hostile_text, children, max_size=4)
    ),
    max_leaves=12,
)


def loads_strictly(text: str | bytes) -> Any:
    """JSON as RFC 8259 has it: `NaN` and `Infinity` are not JSON."""
    return json.loads(text, parse_constant=_refuse)


def _refuse(constant: str) -> None:
    raise AssertionError(f"{constant} in a reply is not JSON")
