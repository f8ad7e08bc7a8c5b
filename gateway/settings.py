"""Gateway settings (env prefix `GATEWAY_`), read once in `main()` and passed down."""

from pydantic import Field

from agent_access.client_addresses import ClientAddressSettings
from agent_access.hosts import allowed_host_names
from agent_access.origins import AllowedOrigins
from agent_access.settings import AgentAccessSettings
from agent_access.slow_clients import ClientDeadlineSettings
from outbound_contracts.topics import SESSION_REVOCATIONS_RETENTION_S
from service_settings.base import ServiceSettings, service_config
from service_settings.producers import ProducerSettings


class GatewaySettings(
    ServiceSettings,
    AgentAccessSettings,
    ClientDeadlineSettings,
    ClientAddressSettings,
    ProducerSettings,
):
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
    sign_outs_per_user_per_minute: int = Field(
        default=10, gt=0, description="Sign-outs of one user a minute; beyond, 429/3"
    )
    csrf_enabled: bool = False
    allowed_origins: AllowedOrigins = Field(
        default_factory=list,
        description="Browser origins besides the gateway's own allowed to call the API "
        "(CORS with credentials, and the Origin check that refuses other pages)",
    )
    allowed_hosts: list[str] | None = Field(
        default=None,
        description="Host names (no port) a request's Host may name (DNS rebinding); none: "
        "the bound address, and localhost with a loopback one; any when bound to all",
    )
    metrics_enabled: bool = Field(
        default=False,
        description="Serve /metrics (Prometheus) on the API's port; off: 404/6, since anyone "
        "who reaches the port would read it",
    )
    api_documents_enabled: bool = Field(
        default=False,
        description="Serve /openapi.json and /asyncapi.json (no documentation UI is served)",
    )
    desktop_cometd_url: str = Field(
        default="/api/v2/notifications",
        min_length=1,
        description="Where the demo desktop at /desktop/ finds the notifier: relative to the "
        "page, or absolute; `{host}` stands for the page's own host name",
    )

    @property
    def host_allow_list(self) -> frozenset[str] | None:
        """The host names a request's `Host` may name; None: any (bound to every address)."""
        return allowed_host_names(self.allowed_hosts, self.host)
