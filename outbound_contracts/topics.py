"""Kafka topic names and the partition-key rules, defined once for every service."""

from dataclasses import dataclass

COMMANDS = "ocs.commands"
EVENTS = "ocs.events"
RECORDS_CHANGELOG = "ocs.records-changelog"
DEAD_LETTER = "ocs.dead-letter"
SESSION_REVOCATIONS = "ocs.session-revocations"

DEFAULT_COMMAND_PARTITIONS = 6
"""Also the changelog's: its partition N is the state of command partition N."""
DEFAULT_EVENT_PARTITIONS = 6
DEAD_LETTER_PARTITIONS = 1
SESSION_REVOCATIONS_PARTITIONS = 1
REPLICATION_FACTOR = 3
"""Of every topic on a cluster of three brokers or more (one broker: 1)."""
MIN_INSYNC_REPLICAS = 2
"""Of every topic on a cluster of three brokers or more (one broker: 1): an acknowledged write
is on two brokers, and a partition still takes writes with one of three away."""
SESSION_REVOCATIONS_RETENTION_S = 7 * 24 * 3600
"""Longer than any session lives (the gateway refuses a longer session TTL): a revocation is
kept at least until the token it names has expired."""

TOPIC_CONFIGS: dict[str, dict[str, str]] = {
    # The broker's append time is what the gateway and the worker check a command's
    # `accept_by_ns` against: one clock, one verdict (docs/decisions.md).
    COMMANDS: {"message.timestamp.type": "LogAppendTime"},
    EVENTS: {},
    RECORDS_CHANGELOG: {"cleanup.policy": "compact", "min.compaction.lag.ms": "0"},
    DEAD_LETTER: {"retention.ms": "-1"},
    # Compaction keeps one entry per token; deletion drops entries whose tokens have expired.
    SESSION_REVOCATIONS: {
        "cleanup.policy": "compact,delete",
        "retention.ms": str(SESSION_REVOCATIONS_RETENTION_S * 1000),
    },
}
"""Each topic's configuration at creation, by unprefixed name; the rest is the broker's default."""

WORKER_GROUP_ID = "ocs-worker"
"""The workers' consumer group of `ocs.commands` by default, and the prefix of their
transactional ids: an authenticated cluster's ACLs name both."""

WRITERS: dict[str, tuple[str, ...]] = {
    COMMANDS: ("gateway", "ocs_worker"),
    EVENTS: ("ocs_worker",),
    RECORDS_CHANGELOG: ("ocs_worker",),
    DEAD_LETTER: ("ocs_worker",),
    SESSION_REVOCATIONS: ("gateway",),
}
"""The services that write each topic, by unprefixed name: on an authenticated cluster the
only service users its ACLs let write it. The worker writes to `ocs.commands` its own timer
commands only (`DeliverDueCallbacks`, docs/decisions.md); the calling-list importer, an
operator's tool, writes commands as the admin. The notifier writes nothing."""


@dataclass(frozen=True, slots=True)
class TopicNames:
    """The topic set one deployment uses; a prefix isolates test runs on a shared broker."""

    commands: str = COMMANDS
    events: str = EVENTS
    records_changelog: str = RECORDS_CHANGELOG
    dead_letter: str = DEAD_LETTER
    session_revocations: str = SESSION_REVOCATIONS

    @classmethod
    def with_prefix(cls, prefix: str) -> "TopicNames":
        return cls(
            commands=prefix + COMMANDS,
            events=prefix + EVENTS,
            records_changelog=prefix + RECORDS_CHANGELOG,
            dead_letter=prefix + DEAD_LETTER,
            session_revocations=prefix + SESSION_REVOCATIONS,
        )

    def by_contract_name(self) -> dict[str, str]:
        """Unprefixed name -> this set's name."""
        return dict(
            zip(
                (COMMANDS, EVENTS, RECORDS_CHANGELOG, DEAD_LETTER, SESSION_REVOCATIONS),
                self.all(),
                strict=True,
            )
        )

    def all(self) -> tuple[str, ...]:
        return (
            self.commands,
            self.events,
            self.records_changelog,
            self.dead_letter,
            self.session_revocations,
        )


def campaign_key(application_id: int, campaign_name: str) -> bytes:
    """Key of `ocs.commands`: all of a campaign's commands (and so its state) share a partition."""
    return f"{application_id}:{campaign_name}".encode()


def user_key(user_name: str) -> bytes:
    """Key of `ocs.events`: all outcomes for one agent stay in order."""
    return user_name.encode()
