"""What the tests compare of an authenticated account."""

from agent_access.identity import UserAccount


def name_of(account: UserAccount | None) -> str | None:
    """The account's user name; None for no account."""
    return account.user_name if account is not None else None
