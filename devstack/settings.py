"""Settings of the local stack (env prefix `DEVSTACK_`), read once at start."""

from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from outbound_contracts.topics import DEFAULT_COMMAND_PARTITIONS, DEFAULT_EVENT_PARTITIONS


class DevstackSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DEVSTACK_", frozen=True)

    kafka_bootstrap_servers: str | None = Field(
        default=None,
        validation_alias="KAFKA_BOOTSTRAP_SERVERS",
        description="Use this broker and start none",
    )
    ocs_topic_prefix: str = Field(
        default="",
        validation_alias="OCS_TOPIC_PREFIX",
        description="Prefix of the topics to create, as the services are given it",
    )
    cache_dir: Path = Field(default=Path(".cache"), description="Fetched Kafka jars")
    state_dir: Path = Field(
        default=Path(".cache/devstack"), description="Broker data and the session secret"
    )
    broker_port: int = Field(default=19092, ge=1, le=65535)
    controller_port: int = Field(default=19093, ge=1, le=65535)
    broker_heap: str = "1g"
    command_partitions: int = Field(default=DEFAULT_COMMAND_PARTITIONS, ge=1)
    event_partitions: int = Field(default=DEFAULT_EVENT_PARTITIONS, ge=1)
    gateway_port: int = Field(default=8080, ge=1, le=65535)
    notifier_port: int = Field(default=8081, ge=1, le=65535)
    worker_port: int = Field(default=8082, ge=1, le=65535)
    users_file: Path = Path("demo/users.json")
    demo_calling_list: Path = Path("demo/calling-list.csv")

    @field_validator("users_file")
    @classmethod
    def _must_exist(cls, path: Path) -> Path:
        if not path.is_file():
            raise ValueError(f"{path} does not exist")
        return path
