"""Whose address a request comes from: the TCP peer, or what a trusted proxy says it was.

The sign-in throttle's per-address limit and the notifier's cap on anonymous websockets count
by client address. Behind a balancer every peer is the balancer; it forwards the client's
address in `X-Forwarded-For` (HAProxy's `option forwardfor`), which is believed only from the
proxies listed here: from anyone else the header is ignored, or a client could name a fresh
address for each guess. uvicorn's own default trusts `FORWARDED_ALLOW_IPS`, 127.0.0.1, so any
local client could; ours trusts none unless told.
"""

from ipaddress import ip_network
from typing import Any

from pydantic import BaseModel, Field, field_validator


class ClientAddressSettings(BaseModel):
    """Mixed into the gateway's and the notifier's settings (each under its own prefix)."""

    trusted_proxies: list[str] = Field(
        default_factory=list,
        description="Addresses or networks (JSON list: 10.0.0.5, 10.0.0.0/8) whose "
        "X-Forwarded-For names the client; none: the TCP peer is the client",
    )

    @field_validator("trusted_proxies")
    @classmethod
    def _addresses_or_networks(cls, proxies: list[str]) -> list[str]:
        for proxy in proxies:
            ip_network(proxy)  # ValueError: not an address or a network
        return proxies


def proxy_options(settings: ClientAddressSettings) -> dict[str, Any]:
    """uvicorn's options for the client address: its proxy headers only from the proxies."""
    if not settings.trusted_proxies:
        return {"proxy_headers": False}
    return {"proxy_headers": True, "forwarded_allow_ips": settings.trusted_proxies}
