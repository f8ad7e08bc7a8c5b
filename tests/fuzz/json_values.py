"""Hypothesis strategies for arbitrary JSON, as hostile clients write it."""

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
    st.floats(),  # NaN and infinities too: `json.dumps` writes them as `NaN`, `Infinity`
    hostile_text,
)

json_values: st.SearchStrategy[Any] = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(hostile_text, children, max_size=4)
    ),
    max_leaves=12,
)
