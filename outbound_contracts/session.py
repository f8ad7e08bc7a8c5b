"""The signed session cookie: issued by the gateway, accepted by the gateway and the notifier.

Token = base64url(JSON {"u": user, "exp": epoch s, "pv": password version}) "."
base64url(HMAC-SHA256 of the first part). The password version names the user's password hash
when the token was issued: a new password (a new hash, with a new salt) makes every earlier
token invalid.
"""

import binascii
import hashlib
import hmac
import json
from typing import NamedTuple

from outbound_contracts import base64url

SESSION_COOKIE = "GWS_SESSION"


class SessionClaims(NamedTuple):
    user_name: str
    expires: int
    """Epoch seconds."""
    password_version: str


def password_version(password_hash: str) -> str:
    """A short name for a stored password hash, carried in tokens instead of the hash."""
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


def issue_session_token(
    user_name: str, secret: str, *, now: float, ttl_seconds: int, password_version: str
) -> str:
    claims = {"u": user_name, "exp": int(now) + ttl_seconds, "pv": password_version}
    payload = base64url.encode(json.dumps(claims).encode())
    return f"{payload}.{_sign(payload, secret)}"


def read_session_claims(token: str | None, secret: str, *, now: float) -> SessionClaims | None:
    """The claims of a valid, unexpired token signed with `secret`; whether its password
    version is still the user's is for the caller, who knows the users, to check."""
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
    user_name, expires, version = claims.get("u"), claims.get("exp"), claims.get("pv")
    # A token without a password version was issued before them: its user signs in again.
    if not (isinstance(user_name, str) and isinstance(version, str) and isinstance(expires, int)):
        return None
    return SessionClaims(user_name, expires, version) if expires > now else None


def _sign(payload: str, secret: str) -> str:
    return base64url.encode(hmac.new(secret.encode(), payload.encode(), hashlib.sha256).digest())
