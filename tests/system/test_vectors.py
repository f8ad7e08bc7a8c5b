"""The spec's two documented exchanges replayed verbatim through the whole system (the
README's walk-through, for both vectors), to every CometD session of the vector's agent: the
official JS client and aiocometd-ng, each over long-polling and websocket
(tests/system/exchange.py). Only the metrics may differ from the vector, and they must be real
measurements of this exchange."""

import pytest

from tests.system.cometd import AIOCOMETD_WARNING
from tests.system.conftest import System
from tests.system.exchange import assert_vector_exchange

pytestmark = [pytest.mark.kafka, AIOCOMETD_WARNING]


@pytest.mark.parametrize("name", ["reject-record", "cancel-record"])
async def test_vector_sent_to_the_gateway_reaches_every_session_of_its_agent_as_documented(
    module_system: System, name: str
) -> None:
    await assert_vector_exchange(module_system.gateway_url, module_system.cometd_url, name)
