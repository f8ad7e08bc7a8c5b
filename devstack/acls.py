"""What each service's Kafka user may do on an authenticated cluster: write only what it owns
(docs/asyncapi, "Writers"). Whatever no ACL allows, the StandardAuthorizer denies."""

from dataclasses import dataclass
from typing import Literal

from outbound_contracts.topics import WRITERS, TopicNames

Resource = tuple[Literal["topic", "group", "transactional-id"], str]


@dataclass(frozen=True)
class Grant:
    user: str
    operation: Literal["Read", "Write"]
    """Either implies Describe; Write on a topic also implies the idempotent producer's right."""
    resources: tuple[Resource, ...]
    prefixed: bool = False
    """The resources' names are prefixes (a worker's transactional ids end in a partition)."""

    def acl_command(self) -> list[str]:
        """The `kafka-acls` (AclCommand) arguments that add this grant."""
        pattern = ["--resource-pattern-type", "prefixed"] if self.prefixed else []
        resources = [argument for kind, name in self.resources for argument in (f"--{kind}", name)]
        return [
            "--add", "--allow-principal", f"User:{self.user}", "--operation", self.operation,
            *pattern, *resources,
        ]  # fmt: skip


def service_grants(topics: TopicNames, worker_group: str) -> list[Grant]:
    """Each service writes the topics the contract names it a writer of (`WRITERS`: the
    gateway commands and revocations, the worker events, changelog, dead letters and its
    timer commands); the
    gateway reads the revocations (its deny list), the worker commands and its changelog, in
    its consumer group and under its transactional ids; the notifier only reads."""
    named = topics.by_contract_name()
    writes = [
        Grant(user, "Write", tuple(("topic", named[t]) for t, w in WRITERS.items() if user in w))
        for user in dict.fromkeys(user for writers in WRITERS.values() for user in writers)
    ]
    return [
        *writes,
        Grant("gateway", "Read", (("topic", topics.session_revocations),)),
        Grant(
            "ocs_worker",
            "Read",
            (
                ("topic", topics.commands),
                ("topic", topics.records_changelog),
                ("group", worker_group),
            ),
        ),
        Grant("ocs_worker", "Write", (("transactional-id", f"{worker_group}-"),), prefixed=True),
        Grant(
            "notifier", "Read", (("topic", topics.events), ("topic", topics.session_revocations))
        ),
    ]
