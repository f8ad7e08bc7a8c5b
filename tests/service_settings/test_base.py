"""The three services read the settings they share alike: the same names, the same rules."""

from pathlib import Path

import pytest
from pydantic import ValidationError

from gateway.settings import GatewaySettings
from notifier.settings import NotifierSettings
from ocs_worker.settings import WorkerSettings
from service_settings.base import SHARED_NAMES, ServiceSettings
from tests.gateway.conftest import USERS_FILE

SERVICES: dict[type[ServiceSettings], str] = {
    GatewaySettings: "GATEWAY_",
    NotifierSettings: "NOTIFIER_",
    WorkerSettings: "WORKER_",
}
SIGNED_IN = [GatewaySettings, NotifierSettings]


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for own, shared in SHARED_NAMES.values():
        monkeypatch.delenv(shared, raising=False)
        for prefix in SERVICES.values():
            monkeypatch.delenv(prefix + own, raising=False)
    monkeypatch.setenv("GWS_SESSION_SECRET", "a-secret")
    monkeypatch.setenv("GWS_USERS_FILE", str(USERS_FILE))


@pytest.mark.parametrize("service", SERVICES, ids=lambda cls: cls.__name__)
def test_a_shared_name_configures_every_service(
    service: type[ServiceSettings], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "broker:9092")
    monkeypatch.setenv("OCS_TOPIC_PREFIX", "team-")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318")
    settings = service()
    assert settings.kafka_bootstrap_servers == "broker:9092"
    assert settings.topics.commands == "team-ocs.commands"
    assert settings.otlp_endpoint == "http://collector:4318"


@pytest.mark.parametrize("service", SERVICES, ids=lambda cls: cls.__name__)
def test_the_prefixed_name_wins_over_the_shared_one(
    service: type[ServiceSettings], monkeypatch: pytest.MonkeyPatch
) -> None:
    prefix = SERVICES[service]
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "shared:9092")
    monkeypatch.setenv(f"{prefix}KAFKA_BOOTSTRAP_SERVERS", "own:9092")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://shared:4318")
    monkeypatch.setenv(f"{prefix}OTLP_ENDPOINT", "http://own:4318")
    monkeypatch.setenv(f"{prefix}LOG_LEVEL", "DEBUG")
    settings = service()
    assert settings.kafka_bootstrap_servers == "own:9092"
    assert settings.otlp_endpoint == "http://own:4318"
    assert settings.log_level == "DEBUG"


@pytest.mark.parametrize("service", SERVICES, ids=lambda cls: cls.__name__)
@pytest.mark.parametrize("level", ["loud", ""])
def test_every_service_refuses_the_same_log_levels(
    service: type[ServiceSettings], level: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(f"{SERVICES[service]}LOG_LEVEL", level)
    with pytest.raises(ValidationError, match="log_level"):
        service()


@pytest.mark.parametrize("service", SIGNED_IN, ids=lambda cls: cls.__name__)
@pytest.mark.parametrize("secret", ["", "   "])
def test_a_blank_session_secret_is_refused_everywhere(
    service: type[ServiceSettings], secret: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GWS_SESSION_SECRET", secret)
    with pytest.raises(ValidationError, match="GWS_SESSION_SECRET"):
        service()


@pytest.mark.parametrize("service", SIGNED_IN, ids=lambda cls: cls.__name__)
def test_a_missing_users_file_is_refused_everywhere(
    service: type[ServiceSettings], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(f"{SERVICES[service]}GWS_USERS_FILE", str(tmp_path / "absent.json"))
    with pytest.raises(ValidationError, match="GWS_USERS_FILE"):
        service()


@pytest.mark.parametrize("service", SERVICES, ids=lambda cls: cls.__name__)
def test_a_kafka_user_becomes_every_client_s_sasl_arguments(
    service: type[ServiceSettings], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KAFKA_SECURITY_PROTOCOL", "SASL_PLAINTEXT")
    monkeypatch.setenv(f"{SERVICES[service]}KAFKA_SASL_USERNAME", "its-user")
    monkeypatch.setenv("KAFKA_SASL_PASSWORD", "its-password")
    kafka = service().kafka
    assert kafka.client_kwargs() == {
        "bootstrap_servers": "127.0.0.1:19092",
        "security_protocol": "SASL_PLAINTEXT",
        "sasl_mechanism": "SCRAM-SHA-512",
        "sasl_plain_username": "its-user",
        "sasl_plain_password": "its-password",
    }
    assert "its-password" not in repr(kafka)


@pytest.mark.parametrize("service", SERVICES, ids=lambda cls: cls.__name__)
def test_without_a_user_the_clients_connect_in_plaintext(service: type[ServiceSettings]) -> None:
    assert service().kafka.client_kwargs() == {
        "bootstrap_servers": "127.0.0.1:19092",
        "security_protocol": "PLAINTEXT",
    }


@pytest.mark.parametrize(
    "environment",
    [
        {"KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT", "KAFKA_SASL_USERNAME": "half"},
        {"KAFKA_SASL_USERNAME": "user", "KAFKA_SASL_PASSWORD": "but no SASL protocol"},
    ],
)
def test_a_half_given_kafka_login_is_refused(
    environment: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError, match=r"KAFKA_SASL|KAFKA_SECURITY_PROTOCOL"):
        WorkerSettings()
