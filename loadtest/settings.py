"""The load test's settings, from LOADTEST_* variables (docs/load-testing.md)."""

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from loadtest.bayeux import Transport


class LoadSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LOADTEST_", frozen=True)

    gateway_url: str = "http://127.0.0.1:8080"
    cometd_url: str = "http://127.0.0.1:8081/api/v2/notifications"
    commands_per_second: float = Field(default=1.0, gt=0, description="per desktop")
    outcome_timeout_seconds: float = Field(default=15.0, gt=0)
    agents: list[str] = ["agent1", "agent2"]
    transports: list[Transport] = Field(
        default=["long-polling", "websocket"],
        min_length=1,
        description="the CometD transports of the desktops, in turn",
    )
    password: str = "password"  # noqa: S105 - the demo users' password, as in README.md
