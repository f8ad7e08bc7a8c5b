"""The authenticated cluster's users and grants, as data (the cluster test uses them for real:
tests/devstack/test_authenticated_cluster.py)."""

from pathlib import Path

from devstack.acls import service_grants
from devstack.bus_users import ADMIN, SERVICE_USERS, BusUsers
from outbound_contracts.topics import TopicNames


def test_passwords_are_generated_once_per_stack_and_readable_by_its_owner_only(
    tmp_path: Path,
) -> None:
    kept = tmp_path / "state" / "kafka-users.json"
    first = BusUsers.kept_in(kept)
    assert BusUsers.kept_in(kept) == first
    assert BusUsers.kept_in(tmp_path / "other.json") != first
    assert kept.stat().st_mode & 0o777 == 0o600
    assert set(SERVICE_USERS) | {ADMIN} <= set(first.passwords)
    assert first.passwords["gateway"] not in repr(first)


def test_each_service_writes_only_the_topics_it_owns() -> None:
    topics = TopicNames.with_prefix("p-")
    writes: dict[str, set[str]] = {}
    for grant in service_grants(topics, "ocs-worker"):
        if grant.operation == "Write":
            named = {name for kind, name in grant.resources if kind == "topic"}
            writes.setdefault(grant.user, set()).update(named)
    assert writes == {
        "gateway": {"p-ocs.commands", "p-ocs.session-revocations"},
        "ocs_worker": {
            "p-ocs.commands",  # its timers (DeliverDueCallbacks) only
            "p-ocs.events",
            "p-ocs.records-changelog",
            "p-ocs.dead-letter",
        },
    }


def test_the_worker_s_transactional_ids_are_granted_by_prefix() -> None:
    [grant] = [g for g in service_grants(TopicNames(), "ocs-worker") if g.prefixed]
    assert grant.acl_command() == [
        "--add", "--allow-principal", "User:ocs_worker", "--operation", "Write",
        "--resource-pattern-type", "prefixed", "--transactional-id", "ocs-worker-",
    ]  # fmt: skip
