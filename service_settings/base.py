"""The settings base of the gateway, the notifier and the worker, and the one rule for their
environment names: a service reads each field as `<ITS PREFIX><NAME>`, and the fields every
service shares (`SHARED_NAMES`) also under one unprefixed name, so that one environment
configures a whole stack; the prefixed name wins when both are set."""

from typing import Self

from pydantic import AliasChoices, AliasGenerator, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from outbound_contracts.topics import TopicNames
from service_settings.kafka_connection import (
    KafkaConnection,
    KafkaLogin,
    SaslMechanism,
    SecurityProtocol,
)

# field -> (its name after a service's prefix, the name every service reads)
SHARED_NAMES: dict[str, tuple[str, str]] = {
    "kafka_bootstrap_servers": ("KAFKA_BOOTSTRAP_SERVERS", "KAFKA_BOOTSTRAP_SERVERS"),
    "kafka_security_protocol": ("KAFKA_SECURITY_PROTOCOL", "KAFKA_SECURITY_PROTOCOL"),
    "kafka_sasl_mechanism": ("KAFKA_SASL_MECHANISM", "KAFKA_SASL_MECHANISM"),
    "kafka_sasl_username": ("KAFKA_SASL_USERNAME", "KAFKA_SASL_USERNAME"),
    "kafka_sasl_password": ("KAFKA_SASL_PASSWORD", "KAFKA_SASL_PASSWORD"),
    "ocs_topic_prefix": ("OCS_TOPIC_PREFIX", "OCS_TOPIC_PREFIX"),
    "otlp_endpoint": ("OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT"),
    "users_file": ("GWS_USERS_FILE", "GWS_USERS_FILE"),
    "session_secret": ("GWS_SESSION_SECRET", "GWS_SESSION_SECRET"),
}


def service_config(env_prefix: str) -> SettingsConfigDict:
    """The `model_config` of a service's settings class: its prefix, and the shared names."""

    def env_names(field: str) -> AliasChoices | None:
        if field not in SHARED_NAMES:
            return None  # read as env_prefix + field name
        own, shared = SHARED_NAMES[field]
        return AliasChoices(env_prefix + own, shared)

    # pydantic leaves a field whose generated alias is None as it is (its stubs omit None)
    aliases = AliasGenerator(validation_alias=env_names)  # type: ignore[arg-type]
    return SettingsConfigDict(env_prefix=env_prefix, alias_generator=aliases)


class ServiceSettings(BaseSettings):
    """Built once in a service's `main()` and passed down; subclasses set
    `model_config = service_config("<PREFIX>_")`."""

    model_config = SettingsConfigDict(frozen=True, populate_by_name=True)

    kafka_bootstrap_servers: str = Field(default="127.0.0.1:19092", description="The Kafka cluster")
    kafka_security_protocol: SecurityProtocol = Field(
        default="PLAINTEXT", description="SASL_PLAINTEXT on an authenticated bus"
    )
    kafka_sasl_mechanism: SaslMechanism = "SCRAM-SHA-512"
    kafka_sasl_username: str | None = Field(
        default=None, description="This service's Kafka user (SASL_PLAINTEXT only)"
    )
    kafka_sasl_password: SecretStr | None = None
    ocs_topic_prefix: str = Field(default="", description="Prefix of every topic name")
    log_level: str = Field(
        default="info",
        pattern="(?i)^(debug|info|warning|error|critical)$",
        description="Python logging level name",
    )
    otlp_endpoint: str | None = Field(
        default=None,
        description="OTLP/HTTP collector base URL (spans go to /v1/traces); none: no tracing",
    )

    @model_validator(mode="after")
    def _login_whole(self) -> Self:
        signs_in = self.kafka_security_protocol == "SASL_PLAINTEXT"
        given = self.kafka_sasl_username is not None and self.kafka_sasl_password is not None
        if signs_in and not given:
            raise ValueError("SASL_PLAINTEXT needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD")
        if given and not signs_in:
            raise ValueError("a Kafka user is given: set KAFKA_SECURITY_PROTOCOL=SASL_PLAINTEXT")
        return self

    @property
    def kafka(self) -> KafkaConnection:
        """Every Kafka client of the service is built from this (`client_kwargs`)."""
        login = None
        if self.kafka_sasl_username is not None and self.kafka_sasl_password is not None:
            login = KafkaLogin(
                self.kafka_sasl_username,
                self.kafka_sasl_password.get_secret_value(),
                self.kafka_sasl_mechanism,
            )
        return KafkaConnection(self.kafka_bootstrap_servers, login)

    @property
    def topics(self) -> TopicNames:
        return TopicNames.with_prefix(self.ocs_topic_prefix)
