"""Which `Host` names a request may carry, in both HTTP services (DNS rebinding).

A page of the attacker's name that a DNS rebinding points at 127.0.0.1 is same-origin with
itself, so neither CORS nor the `Origin` check stops it calling a service on the agent's own
machine; its requests carry its own name in `Host`, which is refused unless allowed.
"""

from ipaddress import ip_address


def allowed_host_names(allowed_hosts: list[str] | None, bound: str) -> frozenset[str] | None:
    """The host names a request's `Host` may name; None: any. By default the address the
    service is bound to (and `localhost` with a loopback one), any when bound to all."""
    if allowed_hosts is not None:
        return frozenset(host.lower() for host in allowed_hosts)
    try:
        address = ip_address(bound)
    except ValueError:
        return frozenset({bound.lower()})  # bound by name
    if address.is_unspecified:
        return None
    return frozenset({bound.lower(), *(["localhost"] if address.is_loopback else [])})


def host_allowed(host: str, allowed: frozenset[str] | None) -> bool:
    return allowed is None or _host_name(host) in allowed


def _host_name(host: str) -> str:
    """The name of a `Host` header, lower case, without its port (`[::1]:8080` -> `::1`)."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1:].partition("]")[0]
    return host.rpartition(":")[0] if host.count(":") == 1 else host
