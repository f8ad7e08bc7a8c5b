"""Static checks of the compose files, quick and engine-free, beside `make test-containers`
(tests/containers), which runs them for real."""

import re
import tomllib
from typing import Any

import yaml

from tests.kafka import KAFKA_IMAGE, REPO

APP_SERVICES = ("topics", "ocs_worker", "demo-data", "notifier", "gateway")


class ComposeLoader(yaml.SafeLoader):
    """YAML with the Compose Spec's `!reset` and `!override` tags (an override that empties a
    value, or replaces it instead of merging)."""


def _sequence(loader: yaml.SafeLoader, node: yaml.Node) -> list[Any]:
    assert isinstance(node, yaml.SequenceNode)
    return loader.construct_sequence(node)


ComposeLoader.add_constructor("!reset", _sequence)
ComposeLoader.add_constructor("!override", _sequence)


def compose(name: str = "docker-compose.yml") -> dict[str, Any]:
    parsed: dict[str, Any] = yaml.load((REPO / name).read_text(), Loader=ComposeLoader)
    return parsed


def test_the_broker_is_kafka_4_3_1_in_kraft_mode_on_a_named_volume() -> None:
    parsed = compose()
    kafka = parsed["services"]["kafka"]
    assert kafka["image"] == KAFKA_IMAGE
    assert kafka["environment"]["KAFKA_PROCESS_ROLES"] == "broker,controller"
    assert kafka["environment"]["KAFKA_LOG_DIRS"] == "/var/lib/kafka/data"
    assert kafka["volumes"] == ["kafka-data:/var/lib/kafka/data"]
    assert "kafka-data" in parsed["volumes"]


HEALTH_CHECKED = {
    "docker-compose.yml": {"kafka", "ocs_worker", "notifier", "gateway"},
    "docker-compose.scaled.yml": {"balancer"},
}


def test_every_healthcheck_is_in_cmd_shell_form() -> None:
    """Podman's Docker API splits CMD-form arguments on spaces."""
    for name, expected in HEALTH_CHECKED.items():
        checks = {
            service: spec["healthcheck"]["test"]
            for service, spec in compose(name)["services"].items()
            if "test" in spec.get("healthcheck", {})
        }
        assert expected <= set(checks), (name, sorted(checks))
        for service, test in checks.items():
            assert test[0] == "CMD-SHELL", (name, service)


def test_every_app_service_runs_the_one_image_after_a_healthy_broker() -> None:
    services = compose()["services"]
    for name in APP_SERVICES:
        service = services[name]
        assert service["image"] == "gws-outbound:local", name
        assert service["depends_on"]["kafka"]["condition"] == "service_healthy", name
        assert service["environment"]["KAFKA_BOOTSTRAP_SERVERS"] == "kafka:9092", name
    for name in ("ocs_worker", "notifier", "gateway", "demo-data"):
        assert services[name]["build"] == ".", name
        after = services[name]["depends_on"]["topics"]["condition"]
        assert after == "service_completed_successfully", name


def host_address(port: str | dict[str, Any]) -> str:
    """The host address a `ports` entry binds, in its short or its long syntax."""
    if isinstance(port, dict):
        return str(port.get("host_ip", "0.0.0.0"))  # Compose's default: every address
    parts = re.sub(r"\$\{[^}]*\}", "VAR", port).split(":")  # [HOST:]PUBLISHED:TARGET
    return parts[0] if len(parts) == 3 else "0.0.0.0"


def test_published_ports_are_on_loopback_only() -> None:
    published = set()
    for name in ("docker-compose.yml", "docker-compose.scaled.yml"):
        for service, spec in compose(name)["services"].items():
            for port in spec.get("ports", []):
                assert host_address(port) == "127.0.0.1", (name, service, port)
                published.add((name, service))
    assert {
        ("docker-compose.yml", "kafka"),
        ("docker-compose.yml", "gateway"),
        ("docker-compose.yml", "notifier"),
        ("docker-compose.scaled.yml", "balancer"),
    } <= published


def test_a_port_bound_to_every_address_is_seen_in_either_syntax() -> None:
    assert host_address("8080:8080") == "0.0.0.0"
    assert host_address({"target": 8080, "published": 8080}) == "0.0.0.0"
    assert host_address("127.0.0.1:${PORT:-8080}:8080") == "127.0.0.1"


def test_the_scaled_profile_publishes_only_the_balancer() -> None:
    services = compose("docker-compose.scaled.yml")["services"]
    assert services["balancer"]["image"] == "gws-outbound/haproxy:local"
    for name in ("gateway", "notifier", "ocs_worker"):
        assert "replicas" in services[name]["deploy"], name


def test_the_scaled_profile_runs_three_kafka_nodes_replicating_every_topic_thrice() -> None:
    scaled = compose("docker-compose.scaled.yml")
    services = scaled["services"]
    nodes = {name: services[name]["environment"] for name in ("kafka", "kafka-2", "kafka-3")}
    for name, environment in nodes.items():
        assert environment["KAFKA_CONTROLLER_QUORUM_VOTERS"].count("@") == 3, name
        for setting in (
            "DEFAULT_REPLICATION_FACTOR",
            "OFFSETS_TOPIC_REPLICATION_FACTOR",
            "TRANSACTION_STATE_LOG_REPLICATION_FACTOR",
        ):
            assert environment[f"KAFKA_{setting}"] == 3, (name, setting)
        assert environment["KAFKA_MIN_INSYNC_REPLICAS"] == 2, name
        assert environment["KAFKA_TRANSACTION_STATE_LOG_MIN_ISR"] == 2, name
    assert [nodes[name].get("KAFKA_NODE_ID") for name in ("kafka-2", "kafka-3")] == [2, 3]
    assert {"kafka-2-data", "kafka-3-data"} <= set(scaled["volumes"])
    topics = services["topics"]["environment"]
    assert (topics["DEVSTACK_REPLICATION_FACTOR"], topics["DEVSTACK_MIN_INSYNC_REPLICAS"]) == (3, 2)
    for name in APP_SERVICES:
        bootstrap = services[name]["environment"]["KAFKA_BOOTSTRAP_SERVERS"]
        assert bootstrap == "kafka:9092,kafka-2:9092,kafka-3:9092", name


def test_the_services_share_the_session_secret_and_users_file() -> None:
    services = compose()["services"]
    for name in ("gateway", "notifier"):
        environment = services[name]["environment"]
        assert environment["GWS_SESSION_SECRET"].startswith("${GWS_SESSION_SECRET:?")
        assert environment["GWS_USERS_FILE"] == "${GWS_USERS_FILE:-}"  # no demo users unasked


def test_only_make_compose_up_the_demo_profile_asks_for_the_demo_users() -> None:
    recipe = (REPO / "Makefile").read_text().split("compose-up:", 1)[1].split("\n\n", 1)[0]
    assert "GWS_USERS_FILE=$${GWS_USERS_FILE:-/app/demo/users.json}" in recipe
    assert "--profile demo" in recipe


def test_the_dockerfile_copies_every_package_the_distribution_installs() -> None:
    dockerfile = (REPO / "Dockerfile").read_text()
    assert dockerfile.splitlines()[1] == "FROM python:3.11-slim"
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text())
    packages = [
        name.rstrip("*") for name in pyproject["tool"]["setuptools"]["packages"]["find"]["include"]
    ]
    assert "agent_access" in packages
    for package in packages:
        assert f"COPY {package} {package}" in dockerfile


def test_the_container_tests_are_collected_only_when_asked_for() -> None:
    assert (REPO / "tests" / "containers" / "test_single.py").is_file()
    assert "pytest --containers tests/containers" in (REPO / "Makefile").read_text()


def test_every_long_running_app_service_is_health_checked_on_its_own_port() -> None:
    services = compose()["services"]
    for name, port in (("gateway", 8080), ("notifier", 8081), ("ocs_worker", 8082)):
        assert f"127.0.0.1:{port}/" in services[name]["healthcheck"]["test"][1], name
    assert services["ocs_worker"]["environment"]["WORKER_HTTP_HOST"] == "0.0.0.0"
