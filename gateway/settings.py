"""Gateway settings (env prefix `GATEWAY_`), read once in `main()` and passed down."""

from pydantic import Field

from agent_access.origins import AllowedOrigins
from agent_access.settings import AgentAccessSettings
from outbound_contracts.topics import SESSION_REVOCATIONS_RETENTION_S
from service_settings.base import ServiceSettings, service_config


class GatewaySettings(ServiceSettings, AgentAccessSettings):
    model_config = service_config("GATEWAY_")

    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=1, le=65535)
    publish_timeout_seconds: float = Field(default=2.0, ge=1.0)
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
