"""Settings of the notifier (env prefix `NOTIFIER_`), read once in `main()` and passed down."""

from pydantic import Field

from agent_access.client_addresses import ClientAddressSettings
from agent_access.hosts import allowed_host_names
from agent_access.origins import AllowedOrigins
from agent_access.settings import AgentAccessSettings
from agent_access.slow_clients import ClientDeadlineSettings
from service_settings.base import ServiceSettings, service_config


class NotifierSettings(
    ServiceSettings, AgentAccessSettings, ClientDeadlineSettings, ClientAddressSettings
):
    model_config = service_config("NOTIFIER_")

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
    max_sessions_per_user: int = Field(
        default=32, gt=0, description="CometD sessions one user may hold open in one notifier"
    )
    max_subscriptions_per_session: int = Field(
        default=64, gt=0, description="Channels and patterns one session may subscribe to"
    )
    max_replays_running: int = Field(
        default=16,
        gt=0,
        description="Replays running at once in one notifier (each reads with a consumer)",
    )
    max_replays_per_user: int = Field(
        default=2, gt=0, description="Replays one user may have running at once"
    )
    sweep_interval_ms: int = Field(default=1000, gt=0, description="How often expiry is checked")
    max_request_bytes: int = Field(
        default=65536, gt=0, description="Largest Bayeux batch (a long-poll body or a frame)"
    )
    websocket_handshake_timeout_seconds: float = Field(
        default=5, gt=0, description="A websocket with no successful handshake by then is closed"
    )
    websocket_anonymous_per_address: int = Field(
        default=20, gt=0, description="Websockets not hand-shaken yet one client address may hold"
    )
    websocket_compression: bool = Field(
        default=False,
        description="Offer permessage-deflate on websockets: a deflate and an inflate context "
        "per socket, ~40 KiB each, for little gain on replies of a few hundred bytes",
    )
    basic_auth_cache_size: int = Field(default=1024, ge=0)
    metrics_enabled: bool = Field(
        default=False,
        description="Serve /metrics (Prometheus) on the notifier's port; off: 404",
    )
    allowed_origins: AllowedOrigins = Field(
        default_factory=list,
        description="Browser origins besides the notifier's own allowed to open sessions "
        "(CORS with credentials on long-polling, the Origin check on both transports)",
    )
    allowed_hosts: list[str] | None = Field(
        default=None,
        description="Host names (no port) a request's Host may name (DNS rebinding); none: "
        "the bound address, and localhost with a loopback one; any when bound to all",
    )

    @property
    def host_allow_list(self) -> frozenset[str] | None:
        """The host names a request's `Host` may name; None: any (bound to every address)."""
        return allowed_host_names(self.allowed_hosts, self.host)
