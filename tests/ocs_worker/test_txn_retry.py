"""The worker's shorter retry after CONCURRENT_TRANSACTIONS really reaches aiokafka's handler."""

from types import SimpleNamespace

from aiokafka import TopicPartition
from aiokafka.producer.sender import AddPartitionsToTxnHandler

from ocs_worker.txn_retry import (
    RETRY_AFTER_CONCURRENT_TRANSACTIONS_S,
    shorten_concurrent_transactions_backoff,
)

CONCURRENT_TRANSACTIONS = 51


def test_a_first_add_partitions_refused_as_concurrent_is_retried_after_2_ms() -> None:
    shorten_concurrent_transactions_backoff()
    sender = SimpleNamespace(_retry_backoff=0.1, _txn_manager=SimpleNamespace(txn_partitions=set()))
    handler = AddPartitionsToTxnHandler(sender, [TopicPartition("ocs.events", 0)])
    refused = SimpleNamespace(errors=[("ocs.events", [(0, CONCURRENT_TRANSACTIONS)])])
    assert handler.handle_response(refused) == RETRY_AFTER_CONCURRENT_TRANSACTIONS_S == 0.002
