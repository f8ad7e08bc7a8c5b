"""The Kafka users of an authenticated cluster (SASL/SCRAM-SHA-512): one per service and an admin
for provisioning and the brokers themselves. Their passwords are generated for each stack and
kept beside its data (mode 0600), never in the repository."""

import json
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from service_settings.kafka_connection import KafkaLogin, SaslMechanism

ADMIN = "admin"
"""Provisioning, the importer, and the brokers' own traffic between them (a super user)."""
SERVICE_USERS = ("gateway", "ocs_worker", "notifier")
"""One per service, named as its package: what each may do is `devstack.acls`."""
MECHANISM: SaslMechanism = "SCRAM-SHA-512"
CONTROLLER = "controller"
"""The controllers' and brokers' user on the controller listener (SASL/PLAIN: SCRAM credentials
live in the metadata the controllers serve, so they cannot sign the controllers in)."""


@dataclass(frozen=True)
class BusUsers:
    passwords: dict[str, str] = field(repr=False)

    @classmethod
    def kept_in(cls, path: Path) -> "BusUsers":
        """The users whose passwords `path` holds; generated there on first use."""
        if path.exists():
            return cls(json.loads(path.read_text()))
        passwords = {
            user: secrets.token_urlsafe(24) for user in (ADMIN, CONTROLLER, *SERVICE_USERS)
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as kept:
            json.dump(passwords, kept, indent=2)
        return cls(passwords)

    def login(self, user: str) -> KafkaLogin:
        return KafkaLogin(user, self.passwords[user], MECHANISM)

    @property
    def admin(self) -> KafkaLogin:
        return self.login(ADMIN)

    def scram_credentials(self) -> list[str]:
        """`kafka-storage format` arguments that put every SCRAM user in the cluster's first
        metadata: the brokers sign in to each other as the admin before anyone could add it."""
        return [
            argument
            for user in (ADMIN, *SERVICE_USERS)
            for argument in (
                "--add-scram",
                f"{MECHANISM}=[name={user},password={self.passwords[user]}]",
            )
        ]

    def admin_client_properties(self) -> str:
        """The admin's sign-in for Kafka's own tools (`--command-config`)."""
        return f"""\
security.protocol=SASL_PLAINTEXT
sasl.mechanism={MECHANISM}
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required \
username="{ADMIN}" password="{self.passwords[ADMIN]}";
"""

    def server_properties(self) -> str:
        """A node's listeners' security: SCRAM for clients and brokers, PLAIN between the
        controllers, and the StandardAuthorizer denying whatever no ACL allows."""
        admin, controller = self.passwords[ADMIN], self.passwords[CONTROLLER]
        return f"""\
sasl.enabled.mechanisms={MECHANISM}
sasl.mechanism.inter.broker.protocol={MECHANISM}
listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config=\
org.apache.kafka.common.security.scram.ScramLoginModule required \
username="{ADMIN}" password="{admin}";
sasl.mechanism.controller.protocol=PLAIN
listener.name.controller.sasl.enabled.mechanisms=PLAIN
listener.name.controller.plain.sasl.jaas.config=\
org.apache.kafka.common.security.plain.PlainLoginModule required \
username="{CONTROLLER}" password="{controller}" user_{CONTROLLER}="{controller}";
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
super.users=User:{ADMIN};User:{CONTROLLER}
allow.everyone.if.no.acl.found=false
"""
