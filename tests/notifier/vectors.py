"""The spec's documented exchanges (tests/vectors, copied from the spec), turned into the
events that cause them and compared field by field with what clients receive."""

import json
import os
import uuid
from pathlib import Path
from typing import Any

from outbound_contracts.events import UserEventRaised

VECTORS_DIR = Path(os.environ.get("GWS_SPEC_VECTORS", Path(__file__).parents[1] / "vectors"))
VECTOR_USERS = {"reject-record": "agent1", "cancel-record": "agent2"}


def load(name: str) -> dict[str, Any]:
    vector: dict[str, Any] = json.loads((VECTORS_DIR / f"{name}.json").read_text())
    return vector


def outcome_for(
    name: str, *, received_at_ns: int, processing_ns: int = 3_679_212
) -> UserEventRaised:
    """The worker's event that the vector's CometD messages render."""
    vector = load(name)
    outbound, internal = (message["data"] for message in vector["cometd"])
    return UserEventRaised(
        command_id=str(uuid.uuid4()),
        user_name=VECTOR_USERS[name],
        device_id=internal["deviceId"],
        reference_id=outbound.get("referenceId"),
        received_at_ns=received_at_ns,
        processing_ns=processing_ns,
        message_type=outbound["messageType"],
        subject=outbound["record"],
        user_data=internal["userData"],
        notification_type=outbound["notificationType"],
    )


def assert_messages_match(received: list[dict[str, Any]], name: str) -> None:
    """Channels, fields and types as documented; only metrics values may differ."""
    expected = load(name)["cometd"]
    assert [m["channel"] for m in received] == [m["channel"] for m in expected]
    for got, want in zip(received, expected, strict=True):
        got_data, want_data = dict(got["data"]), dict(want["data"])
        if "metrics" in want_data:
            got_metrics = got_data.pop("metrics")["eventProcessing"]
            want_metrics = want_data.pop("metrics")["eventProcessing"]
            assert set(got_metrics) == set(want_metrics)
            assert all(type(value) is int and value >= 0 for value in got_metrics.values())
        assert got_data == want_data
        assert _types(got_data) == _types(want_data)


def assert_connect_reply_matches(reply: dict[str, Any], name: str) -> None:
    """The documented connect reply, except its `id`."""
    want = {k: v for k, v in load(name)["connect_reply"].items() if k != "id"}
    got = {k: v for k, v in reply.items() if k != "id"}
    assert got == want
    assert "id" in reply


def _types(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _types(item) for key, item in value.items()}
    return type(value).__name__
