"""Settings of the notifier (env prefix `NOTIFIER_`), read once in `main()` and passed down."""

from pathlib import Path

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from agent_access.http_security import TlsSettings
from agent_access.origins import AllowedOrigins
from agent_access.sign_in_throttle import SignInThrottleSettings
from agent_access.users_reload import UsersFileReloadSettings
from outbound_contracts.topics import TopicNames


class NotifierSettings(BaseSettings, SignInThrottleSettings, TlsSettings, UsersFileReloadSettings):
    model_config = SettingsConfigDict(env_prefix="NOTIFIER_", frozen=True, populate_by_name=True)

    host: str = "127.0.0.1"
    port: int = Field(default=8081, ge=0, le=65535)
    path: str = Field(default="/api/v2/notifications", pattern=r"^/[^?#]*[^/?#]$")
    connect_timeout_ms: int = Field(
        default=30000, ge=0, description="How long a /meta/connect is held when nothing is queued"
    )
    max_interval_ms: int = Field(
        default=10000, gt=0, description="A session with no connect for this long expires"
    )
    multi_session_interval_ms: int = Field(
        default=2000, ge=0, description="Poll interval advised to a browser's extra tabs"
    )
    session_queue_limit: int = Field(
        default=1000, gt=0, description="Messages queued for one session before it is dropped"
    )
    sweep_interval_ms: int = Field(default=1000, gt=0, description="How often expiry is checked")
    max_request_bytes: int = Field(default=65536, gt=0, description="Largest Bayeux batch")
    websocket_compression: bool = Field(
        default=False,
        description="Offer permessage-deflate on websockets: a deflate and an inflate context "
        "per socket, ~40 KiB each, for little gain on replies of a few hundred bytes",
    )
    basic_auth_cache_size: int = Field(default=1024, ge=0)
    log_level: str = Field(default="info", pattern="^(debug|info|warning|error)$")
    allowed_origins: AllowedOrigins = Field(
        default_factory=list,
        description="Browser origins besides the notifier's own allowed to open sessions "
        "(CORS with credentials on long-polling, the Origin check on both transports)",
    )
    kafka_bootstrap_servers: str = Field(
        default="127.0.0.1:19092",
        validation_alias=AliasChoices(
            "NOTIFIER_KAFKA_BOOTSTRAP_SERVERS", "KAFKA_BOOTSTRAP_SERVERS"
        ),
    )
    ocs_topic_prefix: str = Field(
        default="", validation_alias=AliasChoices("NOTIFIER_OCS_TOPIC_PREFIX", "OCS_TOPIC_PREFIX")
    )
    users_file: Path = Field(
        default=Path("demo/users.json"),
        validation_alias=AliasChoices("NOTIFIER_GWS_USERS_FILE", "GWS_USERS_FILE"),
    )
    session_secret: str = Field(
        validation_alias=AliasChoices("NOTIFIER_GWS_SESSION_SECRET", "GWS_SESSION_SECRET"),
        description="Shared with the gateway: verifies its session cookie",
    )
    otlp_endpoint: str | None = Field(
        default=None,
        validation_alias=AliasChoices("NOTIFIER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT"),
        description="OTLP/HTTP collector base URL (spans go to /v1/traces); none: no tracing",
    )

    @field_validator("session_secret")
    @classmethod
    def _secret_not_blank(cls, secret: str) -> str:
        if not secret.strip():
            raise ValueError("GWS_SESSION_SECRET must not be empty")
        return secret

    @field_validator("users_file")
    @classmethod
    def _users_file_exists(cls, path: Path) -> Path:
        if not path.is_file():
            raise ValueError(f"users file {path} does not exist")
        return path

    @property
    def topics(self) -> TopicNames:
        return TopicNames.with_prefix(self.ocs_topic_prefix)
