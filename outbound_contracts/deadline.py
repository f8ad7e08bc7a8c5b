"""A command's deadline, judged by the gateway and the worker from the same facts.

The gateway answers 503/4 when the brokers have not acknowledged a command in time, and a
command answered so must never be applied. Two ways a refused command could reach the worker:
- a producer delivers it later (a broker that comes back): its append is late. The gateway
  stamps each command with `accept_by_ns`, and both sides compare it with the broker's own
  append time (`ocs.commands` uses `message.timestamp.type=LogAppendTime`);
- with replicas, it was appended in time but committed late: the leader acknowledges (and
  consumers may read) a record only once every in-sync replica has it, which after a broker's
  death waits until the dead one is fenced, and for as long as a quorum is lost. The append
  time says nothing of that, so the worker judges by what it saw itself: a command still
  beyond the partition's committed end after the gateway's answer was due
  (`committed_too_late`) was answered 503, and is dead-lettered.
On a topic with producer timestamps there is no append time, and the first is not judged.
"""

from outbound_contracts.commands import AgentCommand

LOG_APPEND_TIME = 1
"""Kafka's timestamp type of a record stamped by the broker as it appended it."""

ANSWER_GRACE_NS = 500_000_000
"""How long after `accept_by_ns` the gateway answers at the latest: the time an acknowledgement
of an append in time has to come back. A command committed later was answered 503."""

OBSERVATION_MARGIN_NS = 1_000_000_000
"""How much later than the broker's reply a worker may note what the reply said (its event
loop's lag, which on a loaded machine reaches hundreds of milliseconds): an observation is
trusted as that much older than noted. Too small, and a command the gateway accepted could be
taken for a late one; too large, and a late commit within it goes unnoticed."""


def appended_too_late(command: AgentCommand, timestamp_ms: int, timestamp_type: int) -> bool:
    """Did the broker append `command` after its deadline?"""
    if command.accept_by_ns is None or timestamp_type != LOG_APPEND_TIME:
        return False
    return timestamp_ms * 1_000_000 > command.accept_by_ns


def committed_too_late(command: AgentCommand, uncommitted_at_ms: int | None) -> bool:
    """Was `command` seen still uncommitted (beyond the partition's committed end) when the
    gateway had already answered? `uncommitted_at_ms`: the latest time a reader noted that,
    or None when it never did (a reader that joined later knows nothing, and applies)."""
    if command.accept_by_ns is None or uncommitted_at_ms is None:
        return False
    answered_by_ns = command.accept_by_ns + ANSWER_GRACE_NS
    return uncommitted_at_ms * 1_000_000 - OBSERVATION_MARGIN_NS > answered_by_ns
