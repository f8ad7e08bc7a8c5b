"""The signed session cookie: issued by the gateway, accepted by the gateway and the notifier.

Token = base64url(JSON {"u": user, "exp": epoch s}) "." base64url(HMAC-SHA256 of the first part).
"""

import binascii
import hashlib
import hmac
import json

from outbound_contracts import base64url

SESSION_COOKIE = "GWS_SESSION"


def issue_session_token(user_name: str, secret: str, *, now: float, ttl_seconds: int) -> str:
    payload = base64url.encode(json.dumps({"u": user_name, "exp": int(now) + ttl_seconds}).encode())
    return f"{payload}.{_sign(payload, secret)}"


def read_session_token(token: str | None, secret: str, *, now: float) -> str | None:
    """The user name of a valid, unexpired token signed with `secret`; otherwise None."""
    claims = read_session_claims(token, secret, now=now)
    return None if claims is None else claims[0]


def read_session_claims(token: str | None, secret: str, *, now: float) -> tuple[str, int] | None:
    """(user name, expiry in epoch s) of a valid, unexpired token signed with `secret`."""
    if not token or "." not in token:
        return None
    payload, signature = token.rsplit(".", 1)
    # As bytes: compare_digest refuses str with non-ASCII characters, which a cookie can carry.
    if not hmac.compare_digest(signature.encode(), _sign(payload, secret).encode()):
        return None
    try:
        claims = json.loads(base64url.decode(payload))
    except (ValueError, binascii.Error):
        return None
    if not isinstance(claims, dict):
        return None
    user_name, expires = claims.get("u"), claims.get("exp")
    if not isinstance(user_name, str) or not isinstance(expires, int) or expires <= now:
        return None
    return user_name, expires


def _sign(payload: str, secret: str) -> str:
    return base64url.encode(hmac.new(secret.encode(), payload.encode(), hashlib.sha256).digest())
