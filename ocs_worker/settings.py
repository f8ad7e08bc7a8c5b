"""Settings of the worker and its import command (env prefix `WORKER_`), read once in `main()`."""

from pydantic import Field

from outbound_contracts.topics import WORKER_GROUP_ID
from service_settings.base import ServiceSettings, service_config
from service_settings.producers import ProducerSettings


class WorkerSettings(ServiceSettings, ProducerSettings):
    model_config = service_config("WORKER_")

    group_id: str = Field(default=WORKER_GROUP_ID, min_length=1)
    batch_max_commands: int = Field(
        default=1000, gt=0, description="Most commands applied in one Kafka transaction"
    )
    batch_max_ms: int = Field(
        default=20, gt=0, description="Longest wait of one fetch for new commands"
    )
    session_timeout_ms: int = Field(
        default=10000, ge=6000, description="A worker silent this long loses its partitions"
    )
    heartbeat_interval_ms: int = Field(default=3000, gt=0)
    import_batch_rows: int = Field(
        default=1000, gt=0, description="Calling-list rows per ImportRecords command"
    )
    import_timeout_seconds: float = Field(
        default=300.0, gt=0, description="How long the import waits for the worker's answers"
    )
    missed_callback_seconds: int = Field(
        default=600,
        ge=0,
        description="A personal callback whose agent has no preview session this long after "
        "its time is missed and becomes a campaign callback",
    )
    http_host: str = Field(
        default="127.0.0.1", description="Address of the /metrics, /healthz, /readyz listener"
    )
    http_port: int = Field(default=8082, ge=1, le=65535, description="Port of that listener")
