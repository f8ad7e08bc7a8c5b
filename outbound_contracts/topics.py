"""Kafka topic names and the partition-key rules, defined once for every service."""

from dataclasses import dataclass

COMMANDS = "ocs.commands"
EVENTS = "ocs.events"
RECORDS_CHANGELOG = "ocs.records-changelog"
DEAD_LETTER = "ocs.dead-letter"

DEFAULT_COMMAND_PARTITIONS = 6
"""Also the changelog's: its partition N is the state of command partition N."""
DEFAULT_EVENT_PARTITIONS = 6
DEAD_LETTER_PARTITIONS = 1

TOPIC_CONFIGS: dict[str, dict[str, str]] = {
    # The broker's append time is what the gateway and the worker check a command's
    # `accept_by_ns` against: one clock, one verdict (docs/decisions.md).
    COMMANDS: {"message.timestamp.type": "LogAppendTime"},
    EVENTS: {},
    RECORDS_CHANGELOG: {"cleanup.policy": "compact", "min.compaction.lag.ms": "0"},
    DEAD_LETTER: {"retention.ms": "-1"},
}
"""Each topic's configuration at creation, by unprefixed name; the rest is the broker's default."""


@dataclass(frozen=True, slots=True)
class TopicNames:
    """The topic set one deployment uses; a prefix isolates test runs on a shared broker."""

    commands: str = COMMANDS
    events: str = EVENTS
    records_changelog: str = RECORDS_CHANGELOG
    dead_letter: str = DEAD_LETTER

    @classmethod
    def with_prefix(cls, prefix: str) -> "TopicNames":
        return cls(
            commands=prefix + COMMANDS,
            events=prefix + EVENTS,
            records_changelog=prefix + RECORDS_CHANGELOG,
            dead_letter=prefix + DEAD_LETTER,
        )

    def all(self) -> tuple[str, ...]:
        return (self.commands, self.events, self.records_changelog, self.dead_letter)


def campaign_key(application_id: int, campaign_name: str) -> bytes:
    """Key of `ocs.commands`: all of a campaign's commands (and so its state) share a partition."""
    return f"{application_id}:{campaign_name}".encode()


def user_key(user_name: str) -> bytes:
    """Key of `ocs.events`: all outcomes for one agent stay in order."""
    return user_name.encode()
