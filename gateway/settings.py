"""Gateway settings (env prefix `GATEWAY_`), read once in `main()` and passed down."""

from pathlib import Path

from pydantic import AliasChoices, Field, FilePath
from pydantic_settings import BaseSettings, SettingsConfigDict

from agent_access.http_security import TlsSettings
from agent_access.origins import AllowedOrigins
from agent_access.sign_in_throttle import SignInThrottleSettings
from agent_access.users_reload import UsersFileReloadSettings
from outbound_contracts.topics import SESSION_REVOCATIONS_RETENTION_S


class GatewaySettings(BaseSettings, SignInThrottleSettings, TlsSettings, UsersFileReloadSettings):
    model_config = SettingsConfigDict(env_prefix="GATEWAY_", frozen=True, populate_by_name=True)

    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=1, le=65535)
    publish_timeout_seconds: float = Field(default=2.0, gt=0)
    max_body_bytes: int = Field(default=65536, gt=0)
    session_ttl_seconds: int = Field(
        default=8 * 3600,
        gt=0,
        le=SESSION_REVOCATIONS_RETENTION_S,
        description="At most the retention of ocs.session-revocations, so that a revoked "
        "session stays revoked until it expires",
    )
    csrf_enabled: bool = False
    allowed_origins: AllowedOrigins = Field(
        default_factory=list,
        description="Browser origins besides the gateway's own allowed to call the API "
        "(CORS with credentials, and the Origin check that refuses other pages)",
    )
    desktop_cometd_url: str = Field(
        default="/api/v2/notifications",
        min_length=1,
        description="Where the demo desktop at /desktop/ finds the notifier: relative to the "
        "page, or absolute; `{host}` stands for the page's own host name",
    )
    log_level: str = Field(
        default="INFO",
        pattern="(?i)^(debug|info|warning|error|critical)$",
        description="Python logging level name",
    )
    kafka_bootstrap_servers: str = Field(
        default="127.0.0.1:19092",
        validation_alias=AliasChoices("GATEWAY_KAFKA_BOOTSTRAP_SERVERS", "KAFKA_BOOTSTRAP_SERVERS"),
    )
    topic_prefix: str = Field(
        default="", validation_alias=AliasChoices("GATEWAY_OCS_TOPIC_PREFIX", "OCS_TOPIC_PREFIX")
    )
    users_file: FilePath = Field(
        default=Path("demo/users.json"),
        validation_alias=AliasChoices("GATEWAY_GWS_USERS_FILE", "GWS_USERS_FILE"),
    )
    session_secret: str = Field(
        min_length=1,
        validation_alias=AliasChoices("GATEWAY_GWS_SESSION_SECRET", "GWS_SESSION_SECRET"),
    )
    otlp_endpoint: str | None = Field(
        default=None,
        validation_alias=AliasChoices("GATEWAY_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT"),
        description="OTLP/HTTP collector base URL (spans go to /v1/traces); none: no tracing",
    )
