"""A command's deadline, judged by the gateway and the worker from the same fact.

The gateway answers 503/4 when the broker has not acknowledged a command in time, but a
producer may still deliver it later (a broker that comes back). So the gateway stamps each
command with `accept_by_ns`, and both sides compare it with the broker's own append time
(`ocs.commands` uses `message.timestamp.type=LogAppendTime`): the gateway refuses an
acknowledgement whose append time is past the deadline, and the worker dead-letters such a
command instead of applying it. On a topic with producer timestamps there is no append time,
and nothing is judged.
"""

from outbound_contracts.commands import AgentCommand

LOG_APPEND_TIME = 1
"""Kafka's timestamp type of a record stamped by the broker as it appended it."""


def appended_too_late(command: AgentCommand, timestamp_ms: int, timestamp_type: int) -> bool:
    """Did the broker append `command` after its deadline?"""
    if command.accept_by_ns is None or timestamp_type != LOG_APPEND_TIME:
        return False
    return timestamp_ms * 1_000_000 > command.accept_by_ns
