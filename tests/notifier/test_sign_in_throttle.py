"""Password guessing at the CometD handshake: past the limit, a handshake is denied without a
password check, with the wait in its error; other agents still hand-shake."""

import base64

import httpx
import pytest

from tests.notifier.conftest import RunningNotifier
from tests.notifier.raw import Message, RawBayeux

pytestmark = pytest.mark.kafka

HANDSHAKE = {
    "channel": "/meta/handshake",
    "version": "1.0",
    "supportedConnectionTypes": ["long-polling"],
}


def wrong_password(user_name: str) -> str:
    return "Basic " + base64.b64encode(f"{user_name}:guess".encode()).decode()


async def test_handshakes_past_the_limit_are_denied_unchecked_with_the_wait(
    running_notifier: RunningNotifier,
) -> None:
    async with httpx.AsyncClient(timeout=10) as http:
        raw = RawBayeux(running_notifier, http)
        denied: list[Message] = []
        for _ in range(20):
            denied += await raw.send(HANDSHAKE, authorization=wrong_password("agent1"))
        agent2 = await raw.handshake("agent2")
    errors = [reply["error"] for reply in denied]
    assert errors[:5] == ["403::Handshake denied: authentication required"] * 5
    for error in errors[5:]:
        assert error.startswith("403::Handshake denied: too many failed sign-ins; retry after")
    assert all(reply["advice"]["reconnect"] == "none" for reply in denied)
    assert agent2
    registry = running_notifier.notifier.metrics.registry
    sample = registry.get_sample_value
    assert sample("notifier_sign_ins_refused_total", {"reason": "failed"}) == 5
    assert sample("notifier_sign_ins_refused_total", {"reason": "throttled"}) == 15
