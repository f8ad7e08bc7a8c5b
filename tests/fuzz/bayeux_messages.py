"""Hypothesis strategies for hostile Bayeux input: every field of a message with its right
type or any other JSON, the protocol's channels and illegal ones, batches and non-batches.

`LIVE_CLIENT` stands for the clientId of a real session; the test swaps it into the encoded
body (`with_client_id`), so that generated messages reach a session's own handling too."""

import json
from typing import Any

from hypothesis import strategies as st

from tests.fuzz.json_values import hostile_text, json_values, non_finite_numbers

LIVE_CLIENT = "<live client id>"

CHANNELS = [
    "/meta/handshake",
    "/meta/connect",
    "/meta/subscribe",
    "/meta/unsubscribe",
    "/meta/disconnect",
    "/meta/foo",
    "/meta/",
    "/service/x",
    "/service/**",
    "/v2/me/outbound",
    "/me/internal",
    "/fuzz/own",
    "/fuzz/*",
    "/fuzz/**",
    "/**",
    "/*/x",
    "/a/**/b",
    "",
    "/",
    "//",
    "/a//b",
    "no-slash",
    "/" + "x" * 3000,
]


def mostly(typed: st.SearchStrategy[Any], other: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """`typed` three times in four, else `other`: a field of the right type is what gets a
    message past its first check, into the code behind it. (`st.one_of` would not weigh: it
    drops repeated branches.)"""
    return st.sampled_from([typed, typed, typed, other]).flatmap(lambda chosen: chosen)


channels = mostly(st.sampled_from(CHANNELS), st.one_of(hostile_text, json_values))
client_ids = mostly(st.just(LIVE_CLIENT), st.one_of(st.just("unknown"), hostile_text, json_values))
connection_types = mostly(
    st.sampled_from(["long-polling", "websocket", "callback-polling"]), json_values
)
advice = mostly(
    st.fixed_dictionaries(
        {},
        optional={
            "timeout": mostly(st.integers(min_value=-10, max_value=200), json_values),
            "interval": mostly(st.integers(min_value=-10, max_value=200), json_values),
            "reconnect": mostly(st.sampled_from(["retry", "handshake", "none"]), json_values),
        },
    ),
    json_values,
)
messages: st.SearchStrategy[Any] = mostly(
    st.fixed_dictionaries(
        # What some meta channel needs is always there (the others ignore it), often right.
        {
            "channel": channels,
            "clientId": client_ids,
            "subscription": mostly(
                st.one_of(channels, st.lists(channels, min_size=1, max_size=4)), json_values
            ),
            "supportedConnectionTypes": mostly(
                st.lists(connection_types, min_size=1, max_size=3), json_values
            ),
            "data": json_values,
        },
        optional={
            "id": mostly(st.text(max_size=8), json_values),
            "connectionType": connection_types,
            "version": mostly(st.just("1.0"), json_values),
            "minimumVersion": mostly(st.just("1.0"), json_values),
            "ext": mostly(st.dictionaries(hostile_text, json_values, max_size=3), json_values),
            "advice": advice,
        },
    ),
    json_values,  # a message that is not an object, or one without a channel
)
batches: st.SearchStrategy[Any] = mostly(st.lists(messages, min_size=1, max_size=6), messages)

_NUMBER = "<number>"


def _with_number(field: str, number: str) -> bytes:
    """A publish (or, for `advice`, a connect) of the live session carrying `number`."""
    channel = "/meta/connect" if field == "advice" else "/fuzz/own"
    value = {"timeout": _NUMBER} if field == "advice" else _NUMBER
    body = encode([{"channel": channel, "clientId": LIVE_CLIENT, field: value}])
    return body.replace(json.dumps(_NUMBER).encode(), number.encode())


raw_bodies = st.one_of(
    st.binary(max_size=200),
    st.integers(min_value=1, max_value=70_000).map(lambda depth: b"[" * depth),
    st.builds(_with_number, st.sampled_from(["id", "ext", "data", "advice"]), non_finite_numbers),
)


def encode(batch: Any) -> bytes:
    """Lone surrogates go as `\\ud800` escapes."""
    return json.dumps(batch).encode()


def with_client_id(body: bytes, client_id: str) -> bytes:
    return body.replace(json.dumps(LIVE_CLIENT).encode(), json.dumps(client_id).encode())


def batch_size(batch: Any) -> int:
    """How many messages the server sees in a parsed batch: a lone object is a batch of one."""
    return len(batch) if isinstance(batch, list) else 1
