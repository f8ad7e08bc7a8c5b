"""Settings of the local stack (env prefix `DEVSTACK_`), read once at start."""

from pathlib import Path
from typing import Self

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from devstack.replication import Replication
from devstack.topics import OnMismatch
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
    brokers: int = Field(
        default=1, ge=1, le=9, description="Local KRaft nodes to run (`run --brokers N`)"
    )
    broker_port: int = Field(
        default=19092, ge=1, le=65535, description="The first node's; node N's is this + N - 1"
    )
    controller_port: int = Field(
        default=19093, ge=1, le=65535, description="The controller's, of a single node"
    )
    cluster_controller_port: int = Field(
        default=19095, ge=1, le=65535, description="Node N's controller, with several: + N - 1"
    )
    broker_heap: str = "1g"
    replication_factor: int | None = Field(
        default=None, ge=1, description="Of our topics; default: 1 on one broker, 3 on three+"
    )
    min_insync_replicas: int | None = Field(
        default=None, ge=1, description="Of our topics; default: 1 on one broker, 2 on three+"
    )
    topic_mismatch: OnMismatch = Field(
        default="refuse",
        description="Existing topics that differ from these settings: `refuse` or `warn`",
    )
    command_partitions: int = Field(default=DEFAULT_COMMAND_PARTITIONS, ge=1)
    event_partitions: int = Field(default=DEFAULT_EVENT_PARTITIONS, ge=1)
    gateway_port: int = Field(default=8080, ge=1, le=65535)
    notifier_port: int = Field(default=8081, ge=1, le=65535)
    worker_port: int = Field(default=8082, ge=1, le=65535)
    users_file: Path = Path("demo/users.json")
    demo_calling_list: Path = Path("demo/calling-list.csv")
    demo_calling_list_rules: Path = Path("demo/calling-list-rules.json")

    @field_validator("users_file")
    @classmethod
    def _must_exist(cls, path: Path) -> Path:
        if not path.is_file():
            raise ValueError(f"{path} does not exist")
        return path

    @model_validator(mode="after")
    def _replication_given_whole(self) -> Self:
        if (self.replication_factor is None) != (self.min_insync_replicas is None):
            raise ValueError("set both DEVSTACK_REPLICATION_FACTOR and _MIN_INSYNC_REPLICAS")
        return self

    @property
    def replication(self) -> Replication | None:
        """The replication the settings name, or None: the cluster's size decides."""
        if self.replication_factor is None or self.min_insync_replicas is None:
            return None
        return Replication(self.replication_factor, self.min_insync_replicas)
