"""The producer settings the gateway and the worker share, mixed into each one's settings under
its own prefix."""

from pydantic import Field
from pydantic_settings import BaseSettings

AIOKAFKA_RETRY_BACKOFF_MS = 100
"""aiokafka's own default: kept until a run of record shows a shorter wait is worth it
(docs/performance.md)."""


class ProducerSettings(BaseSettings):
    kafka_retry_backoff_ms: int = Field(
        default=AIOKAFKA_RETRY_BACKOFF_MS,
        ge=1,
        le=10_000,
        description="How long a producer waits before it retries a produce or a transaction "
        "request the broker answered with a retriable error",
    )
