"""What the whole system must have done with the commands its gateway accepted: each one is in
`ocs.commands` once, has exactly the outcomes the pure core's replay of that log gives (once
each, read_committed), and the state restored from the changelog is the replay's.

The worker-level drills' helpers (tests/ocs_worker/stream.py) do the replay and the reading.
"""

from collections import Counter

from ocs_worker.outcomes import Outcome
from outbound_contracts.commands import AgentCommand
from outbound_contracts.topics import TopicNames
from tests.eventually import eventually
from tests.ocs_worker.stream import (
    Stream,
    check_exactly_once,
    committed_outcomes,
    dead_lettered,
    late_commands,
    logged_commands,
    replay,
    restored_state,
)
from tests.system.desktop import Ledger


async def replay_of_the_log(bootstrap: str, topics: TopicNames) -> Stream:
    return replay(await logged_commands(bootstrap, topics))


async def until_processed(bootstrap: str, topics: TopicNames, stream: Stream) -> None:
    """Bounded wait until the worker committed as many outcomes as the replay gives."""

    async def caught_up() -> bool:
        return len(await committed_outcomes(bootstrap, topics)) >= len(stream.expected)

    await eventually(caught_up, within=120, every=0.5)


async def check_processed_exactly_once(
    bootstrap: str, topics: TopicNames, stream: Stream, ledger: Ledger
) -> list[Outcome]:
    """Call once the worker is stopped, so that nothing more can arrive; returns the
    outcomes."""
    logged = Counter(c.reference_id for c in stream.commands if isinstance(c, AgentCommand))
    assert [r for r, n in logged.items() if n > 1] == [], "a command is in the log twice"
    assert set(ledger.accepted) - set(logged) == set(), "accepted, yet not in ocs.commands"
    assert set(logged) - set(ledger.accepted) <= set(ledger.refused), "in the log, never sent"
    # A 503 may still be written once the broker is back, past its deadline: then the worker
    # dead-letters it instead of applying it (docs/decisions.md).
    late = await late_commands(bootstrap, topics)
    late_references = {c.reference_id for c in late if isinstance(c, AgentCommand)}
    assert late_references <= set(ledger.refused), "accepted, yet appended late"
    dead = await dead_lettered(bootstrap, topics)
    assert sorted(c.command_id for c in dead) == sorted(c.command_id for c in late)

    outcomes = await committed_outcomes(bootstrap, topics)
    check_exactly_once(stream, outcomes)
    heard = Counter(outcome.reference_id for outcome in outcomes)
    assert {r: heard[r] for r in ledger.accepted} == dict.fromkeys(ledger.accepted, 1)
    assert {r: heard[r] for r in ledger.refused} == dict.fromkeys(ledger.refused, 0)
    assert await restored_state(bootstrap, topics) == stream.final
    return outcomes
