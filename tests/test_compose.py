"""docker-compose.yml cannot run here (no Docker engine): check its service graph instead."""

from typing import Any

import yaml

from tests.kafka import REPO

APP_SERVICES = ("topics", "ocs_worker", "demo-data", "notifier", "gateway")


def compose() -> dict[str, Any]:
    parsed: dict[str, Any] = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    return parsed


def test_the_broker_is_kafka_4_3_1_in_kraft_mode_with_a_healthcheck() -> None:
    kafka = compose()["services"]["kafka"]
    assert kafka["image"] == "apache/kafka:4.3.1"
    assert kafka["environment"]["KAFKA_PROCESS_ROLES"] == "broker,controller"
    assert kafka["environment"]["KAFKA_ADVERTISED_LISTENERS"] == "PLAINTEXT://kafka:9092"
    assert "kafka-broker-api-versions.sh" in " ".join(kafka["healthcheck"]["test"])


def test_every_app_service_is_built_from_the_one_dockerfile_and_waits_for_a_healthy_broker() -> (
    None
):
    services = compose()["services"]
    for name in APP_SERVICES:
        service = services[name]
        assert service["build"] == ".", name
        assert service["depends_on"]["kafka"]["condition"] == "service_healthy", name
        assert service["environment"]["KAFKA_BOOTSTRAP_SERVERS"] == "kafka:9092", name
    for name in ("ocs_worker", "notifier", "gateway", "demo-data"):
        after = services[name]["depends_on"]["topics"]["condition"]
        assert after == "service_completed_successfully", name
    assert services["gateway"]["depends_on"]["notifier"]["condition"] == "service_healthy"


def test_http_services_publish_their_ports_on_loopback_only() -> None:
    services = compose()["services"]
    assert services["gateway"]["ports"] == ["127.0.0.1:8080:8080"]
    assert services["notifier"]["ports"] == ["127.0.0.1:8081:8081"]
    assert services["gateway"]["environment"]["GATEWAY_PORT"] == 8080
    assert services["notifier"]["environment"]["NOTIFIER_PORT"] == 8081


def test_the_services_share_the_session_secret_and_users_file() -> None:
    services = compose()["services"]
    for name in ("gateway", "notifier"):
        environment = services[name]["environment"]
        assert environment["GWS_SESSION_SECRET"].startswith("${GWS_SESSION_SECRET:?")
        assert environment["GWS_USERS_FILE"] == "/app/demo/users.json"


def test_the_dockerfile_copies_every_package_the_distribution_installs() -> None:
    dockerfile = (REPO / "Dockerfile").read_text()
    for package in ("outbound_contracts", "devstack", "gateway", "ocs_worker", "notifier"):
        assert f"COPY {package} {package}" in dockerfile
