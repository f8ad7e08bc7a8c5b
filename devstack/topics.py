"""Topic provisioning: create what is missing, check what exists, refuse what does not match.

The replication follows the cluster's size unless the settings name it (`Replication`); a
topic that exists with other partitions, replication, min ISR or cleanup policy than ours is
refused with every difference named (or, if the user chose so, warned about and kept).
"""

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.errors import for_code

from devstack.replication import Replication
from outbound_contracts.topics import (
    COMMANDS,
    DEAD_LETTER,
    DEAD_LETTER_PARTITIONS,
    EVENTS,
    RECORDS_CHANGELOG,
    SESSION_REVOCATIONS,
    SESSION_REVOCATIONS_PARTITIONS,
    TOPIC_CONFIGS,
    TopicNames,
)
from service_settings.kafka_connection import KafkaConnection, KafkaLogin

log = logging.getLogger(__name__)

_TOPIC_ALREADY_EXISTS = 36
_CHECKED_CONFIGS = ("min.insync.replicas", "cleanup.policy")

OnMismatch = Literal["refuse", "warn"]


class TopicsMismatch(RuntimeError):
    """Existing topics differ from what the settings provision; the message names each."""


class ReplicationRefused(RuntimeError):
    """The replication asked for cannot be, or should not be, provisioned on this cluster."""


@dataclass(frozen=True)
class WantedTopic:
    name: str
    partitions: int
    configs: dict[str, str]


async def provision_topics(
    bootstrap_servers: str,
    topics: TopicNames,
    *,
    command_partitions: int,
    event_partitions: int,
    replication: Replication | None = None,
    on_mismatch: OnMismatch = "refuse",
    login: KafkaLogin | None = None,
) -> Replication:
    """Commands and changelog share a partition count: changelog partition N is the state of
    command partition N. Returns the replication used (`replication`, or the cluster's)."""
    admin = AIOKafkaAdminClient(**KafkaConnection(bootstrap_servers, login).client_kwargs())
    await admin.start()
    try:
        brokers = len((await admin.describe_cluster())["brokers"])
        chosen = _checked(replication, brokers)
        wanted = _wanted(topics, command_partitions, event_partitions, chosen)
        existing = set(await admin.list_topics())
        missing = [topic for topic in wanted if topic.name not in existing]
        if missing:
            existing |= await _create(admin, missing, chosen)
        present = [topic for topic in wanted if topic.name in existing]
        if present:
            differences = await _differences(admin, present, chosen)
            if differences:
                _report(differences, on_mismatch)
        return chosen
    finally:
        await admin.close()


def _checked(replication: Replication | None, brokers: int) -> Replication:
    if replication is None:
        return Replication.for_cluster_of(brokers)
    if replication.factor > brokers:
        raise ReplicationRefused(
            f"replication factor {replication.factor} needs {replication.factor} brokers; "
            f"the cluster has {brokers}"
        )
    if not 1 <= replication.min_insync <= replication.factor:
        raise ReplicationRefused(
            f"min ISR {replication.min_insync} must be between 1 and the replication "
            f"factor {replication.factor}"
        )
    if brokers > 1 and replication.min_insync == 1:
        log.warning(
            "provisioning with min ISR 1 on a cluster of %d brokers, as the settings say: "
            "an acknowledged command lives on one broker until replicated, and is lost "
            "with it",
            brokers,
        )
    return replication


def _wanted(
    topics: TopicNames, command_partitions: int, event_partitions: int, chosen: Replication
) -> list[WantedTopic]:
    by_name = [
        (topics.commands, COMMANDS, command_partitions),
        (topics.events, EVENTS, event_partitions),
        (topics.records_changelog, RECORDS_CHANGELOG, command_partitions),
        (topics.dead_letter, DEAD_LETTER, DEAD_LETTER_PARTITIONS),
        (topics.session_revocations, SESSION_REVOCATIONS, SESSION_REVOCATIONS_PARTITIONS),
    ]
    isr = {"min.insync.replicas": str(chosen.min_insync)}
    return [
        WantedTopic(name, partitions, {**TOPIC_CONFIGS[unprefixed], **isr})
        for name, unprefixed, partitions in by_name
    ]


async def _create(
    admin: AIOKafkaAdminClient, missing: list[WantedTopic], chosen: Replication
) -> set[str]:
    """Creates `missing`; returns those that existed after all (created by a provisioner that
    won the race, or too new for the metadata we read): they are checked like the rest."""
    new = [NewTopic(t.name, t.partitions, chosen.factor, topic_configs=t.configs) for t in missing]
    response = await admin.create_topics(new)
    there = set()
    for name, error_code, *_ in response.topic_errors:
        if error_code == _TOPIC_ALREADY_EXISTS:
            there.add(name)
        elif error_code != 0:
            raise for_code(error_code)(f"creating topic {name}")
    return there


async def _differences(
    admin: AIOKafkaAdminClient, present: list[WantedTopic], chosen: Replication
) -> list[str]:
    described = {t["topic"]: t for t in await admin.describe_topics([t.name for t in present])}
    configs = await topic_configs(admin, [t.name for t in present])
    differences = []
    for topic in present:
        partitions = described[topic.name]["partitions"]
        replicas = min(len(p["replicas"]) for p in partitions)
        found = {
            "partitions": str(len(partitions)),
            "replication factor": str(replicas),
            **{key: configs[topic.name].get(key, "?") for key in _CHECKED_CONFIGS},
        }
        expected = {
            "partitions": str(topic.partitions),
            "replication factor": str(chosen.factor),
            "min.insync.replicas": topic.configs["min.insync.replicas"],
            "cleanup.policy": topic.configs.get("cleanup.policy", "delete"),
        }
        differences += [
            f"{topic.name}: {key} is {found[key]}, the settings provision {value}"
            for key, value in expected.items()
            if _normal(found[key]) != _normal(value)
        ]
    return differences


async def topic_configs(
    admin: AIOKafkaAdminClient, names: Iterable[str]
) -> dict[str, dict[str, str]]:
    resources = [ConfigResource(ConfigResourceType.TOPIC, name) for name in names]
    found: dict[str, dict[str, str]] = {}
    for response in await admin.describe_configs(resources):
        for resource in response.resources:
            error_code, _, _, name, entries = resource[:5]
            if error_code != 0:
                raise for_code(error_code)(f"describing topic {name}")
            found[name] = {str(entry[0]): str(entry[1]) for entry in entries}
    return found


def _normal(value: Any) -> str:
    """`compact,delete` and `delete,compact` are one policy."""
    return ",".join(sorted(str(value).replace(" ", "").split(",")))


def _report(differences: list[str], on_mismatch: OnMismatch) -> None:
    summary = "existing topics differ from the settings:\n  " + "\n  ".join(differences)
    if on_mismatch == "warn":
        log.warning("%s\nkept as they are (DEVSTACK_TOPIC_MISMATCH=warn)", summary)
        return
    raise TopicsMismatch(
        f"{summary}\nchange the topics (or the settings) to match, or set "
        "DEVSTACK_TOPIC_MISMATCH=warn to keep them as they are"
    )
