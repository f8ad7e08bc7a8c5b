"""docs/operations.md stays true of the code: every field of every settings class is a row of
its service's table (or, inherited, of the table of shared settings), under the environment
variables that set it and with its default; every metric the services expose at /metrics is
named there."""

import importlib
import inspect
import pkgutil
import re
import tomllib

import httpx
import pytest
from fastapi import FastAPI
from pydantic import AliasChoices
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings
from starlette.applications import Starlette

from gateway.app import create_app as create_gateway
from gateway.kafka import InMemoryPublisher
from notifier.app import create_app as create_notifier
from notifier.settings import NotifierSettings
from ocs_worker.http import status_app
from ocs_worker.metrics import WorkerMetrics
from tests.gateway.conftest import USERS_FILE, settings
from tests.kafka import REPO

OPERATIONS = (REPO / "docs" / "operations.md").read_text()


def service_packages() -> list[str]:
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text())
    patterns: list[str] = pyproject["tool"]["setuptools"]["packages"]["find"]["include"]
    return [pattern.removesuffix("*") for pattern in patterns]


def settings_classes() -> list[type[BaseSettings]]:
    """Every settings class a program of ours builds (a BaseSettings subclass defined in the
    installed packages that no other one extends), found by importing all their modules."""
    packages = service_packages()
    for package in packages:
        root = importlib.import_module(package)
        for module in pkgutil.walk_packages(root.__path__, f"{package}."):
            importlib.import_module(module.name)
    found: list[type[BaseSettings]] = []
    pending = list(BaseSettings.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if cls.__module__.split(".")[0] in packages and not cls.__subclasses__():
            found.append(cls)
    return sorted(found, key=lambda cls: cls.__name__)


def own_fields(settings_class: type[BaseSettings]) -> set[str]:
    """The fields the class declares itself; the rest come from a base two services share."""
    return set(inspect.get_annotations(settings_class)) & set(settings_class.model_fields)


def env_names(settings_class: type[BaseSettings], name: str, field: FieldInfo) -> set[str]:
    alias = field.validation_alias
    if isinstance(alias, AliasChoices):
        return {choice for choice in alias.choices if isinstance(choice, str)}
    if isinstance(alias, str):
        return {alias}
    return {(settings_class.model_config.get("env_prefix", "") + name).upper()}


def documented_default(field: FieldInfo) -> str:
    """A default as the tables write it."""
    if field.is_required():
        return "required"
    value = field.get_default(call_default_factory=True)
    if value is None:
        return "none"
    if isinstance(value, bool):
        return str(value).lower()
    if value == "":
        return "empty"
    return str(value)


def section_of(heading_text: str) -> str:
    """The text under the `###` heading that contains `heading_text`, up to the next heading."""
    found = re.search(
        rf"^### [^\n]*{re.escape(heading_text)}[^\n]*\n(.*?)(?=^#|\Z)",
        OPERATIONS,
        re.MULTILINE | re.DOTALL,
    )
    assert found is not None, f"docs/operations.md has no ### heading naming {heading_text}"
    return found.group(1)


def table_rows(section: str) -> dict[frozenset[str], list[str]]:
    """Each row of the section's settings table, by the variables named in its first cell."""
    rows = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        names = frozenset(re.findall(r"`([A-Z][A-Z0-9_]*)`", cells[0]))
        if line.startswith("|") and names:
            rows[names] = cells
    return rows


def test_the_settings_classes_are_found() -> None:
    names = {cls.__name__ for cls in settings_classes()}
    assert {"GatewaySettings", "WorkerSettings", "NotifierSettings", "DevstackSettings"} <= names


def expected_rows(fields: dict[str, FieldInfo], names: dict[str, set[str]]) -> dict[str, str]:
    return {" ".join(sorted(names[name])): documented_default(fields[name]) for name in fields}


def documented_rows(section: str) -> dict[str, str]:
    return {" ".join(sorted(names)): cells[1] for names, cells in table_rows(section).items()}


@pytest.mark.parametrize("settings_class", settings_classes(), ids=lambda cls: cls.__name__)
def test_every_own_setting_is_a_row_under_its_variables_with_its_default(
    settings_class: type[BaseSettings],
) -> None:
    own = {name: settings_class.model_fields[name] for name in own_fields(settings_class)}
    names = {name: env_names(settings_class, name, field) for name, field in own.items()}
    expected = {row: f"`{default}`" for row, default in expected_rows(own, names).items()}
    assert documented_rows(section_of(f"`{settings_class.__name__}`")) == expected


def test_every_shared_setting_is_one_row_under_every_service_s_variables() -> None:
    """A field the services inherit is listed once, under the names of every service that
    reads it."""
    fields: dict[str, FieldInfo] = {}
    names: dict[str, set[str]] = {}
    for settings_class in settings_classes():
        for name, field in settings_class.model_fields.items():
            if name not in own_fields(settings_class):
                fields[name] = field
                names.setdefault(name, set()).update(env_names(settings_class, name, field))
    expected = {row: f"`{default}`" for row, default in expected_rows(fields, names).items()}
    assert documented_rows(section_of("shared by the services")) == expected


async def exposed_metric_names(app: FastAPI | Starlette) -> set[str]:
    """The metric families of the app's /metrics, without the client's `_created` series."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        response = await client.get("/metrics")
    assert response.status_code == 200
    families = dict(
        line.split()[2:4] for line in response.text.splitlines() if line.startswith("# TYPE ")
    )

    def is_creation_time(name: str) -> bool:
        stem = name.removesuffix("_created")
        return stem != name and (f"{stem}_total" in families or families.get(stem) == "histogram")

    return {name for name in families if not is_creation_time(name)}


async def test_every_gateway_metric_is_documented() -> None:
    exposed = await exposed_metric_names(create_gateway(settings(), InMemoryPublisher()))
    assert exposed
    assert {name for name in exposed if f"`{name}`" not in OPERATIONS} == set()


async def test_every_notifier_metric_is_documented() -> None:
    notifier_settings = NotifierSettings.model_validate(
        {"session_secret": "docs", "users_file": USERS_FILE, "metrics_enabled": True}
    )
    exposed = await exposed_metric_names(create_notifier(notifier_settings))
    assert exposed
    assert {name for name in exposed if f"`{name}`" not in OPERATIONS} == set()


async def test_every_worker_metric_is_documented() -> None:
    exposed = await exposed_metric_names(status_app(WorkerMetrics(), ready=lambda: True))
    assert exposed
    assert {name for name in exposed if f"`{name}`" not in OPERATIONS} == set()
