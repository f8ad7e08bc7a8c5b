"""A shorter wait before a transaction's first AddPartitionsToTxn is retried.

Right after a commit the transaction coordinator is still writing the commit markers, and an
AddPartitionsToTxn that arrives meanwhile is answered CONCURRENT_TRANSACTIONS (KAFKA-5477).
aiokafka then waits a fixed 20 ms (`BACKOFF_OVERRIDE` in `aiokafka.producer.sender`) before
trying again. A busy worker begins its next transaction as soon as the last one commits, so it
paid those 20 ms in most cycles: the largest part of the end-to-end latency
(docs/performance-history.md). The markers take a millisecond or two, so we retry after 2 ms.
aiokafka has no setting for it: we set its module constant, and tests/ocs_worker fails if an
aiokafka upgrade (the version is pinned) moves or renames it.
"""

from aiokafka.producer import sender

RETRY_AFTER_CONCURRENT_TRANSACTIONS_S = 0.002


def shorten_concurrent_transactions_backoff() -> None:
    if not hasattr(sender, "BACKOFF_OVERRIDE"):
        raise RuntimeError("aiokafka no longer has sender.BACKOFF_OVERRIDE: see txn_retry.py")
    sender.BACKOFF_OVERRIDE = RETRY_AFTER_CONCURRENT_TRANSACTIONS_S
