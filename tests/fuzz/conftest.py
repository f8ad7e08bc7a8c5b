"""The notifier's fixtures, shared with the fuzz tests (fixtures are found by conftest only)."""

from tests.notifier.conftest import events, notifier_users, running_notifier, start_notifier

__all__ = ["events", "notifier_users", "running_notifier", "start_notifier"]
