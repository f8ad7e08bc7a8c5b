"""How a client reaches and signs in to the Kafka cluster: the one place that turns the
services' Kafka settings into aiokafka client arguments (producers, consumers, admins alike)."""

from dataclasses import dataclass, field
from typing import Any, Literal

SecurityProtocol = Literal["PLAINTEXT", "SASL_PLAINTEXT"]
SaslMechanism = Literal["SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN"]


@dataclass(frozen=True)
class KafkaLogin:
    """A SASL user of the cluster (docs/operations.md, "An authenticated bus")."""

    username: str
    password: str = field(repr=False)
    mechanism: SaslMechanism = "SCRAM-SHA-512"


@dataclass(frozen=True)
class KafkaConnection:
    """The cluster's bootstrap servers and, on an authenticated bus, who signs in; without a
    login the connection is PLAINTEXT (the single-broker quick start)."""

    bootstrap_servers: str
    login: KafkaLogin | None = None

    @property
    def security_protocol(self) -> SecurityProtocol:
        return "PLAINTEXT" if self.login is None else "SASL_PLAINTEXT"

    def client_kwargs(self) -> dict[str, Any]:
        """The keyword arguments every aiokafka client of this connection starts from."""
        kwargs: dict[str, Any] = {
            "bootstrap_servers": self.bootstrap_servers,
            "security_protocol": self.security_protocol,
        }
        if self.login is not None:
            kwargs |= {
                "sasl_mechanism": self.login.mechanism,
                "sasl_plain_username": self.login.username,
                "sasl_plain_password": self.login.password,
            }
        return kwargs
