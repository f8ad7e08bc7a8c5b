"""The signed session cookie: issued by the gateway, accepted by the gateway and the notifier,
and refused by both once revoked (a sign-out) until it would have expired anyway.

Token = base64url(JSON {"u": user, "exp": epoch s, "pv": password version, "n": nonce}) "."
base64url(HMAC-SHA256 of the first part). The password version names the user's password hash
when the token was issued: a new password (a new hash, with a new salt) makes every earlier
token invalid. The random nonce makes each sign-in's token its own, so that ending one session
(even one begun in the same second) ends no other. A token is named, in revocations and logs,
by its id: a digest of the token, which cannot be turned back into a cookie."""

import binascii
import hashlib
import hmac
import json
import secrets
from typing import NamedTuple

from agent_access import base64url

SESSION_COOKIE = "GWS_SESSION"


class SessionClaims(NamedTuple):
    user_name: str
    expires: int
    """Epoch seconds."""
    password_version: str
    token_id: str


def password_version(password_hash: str) -> str:
    """A short name for a stored password hash, carried in tokens instead of the hash."""
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


def token_id(token: str) -> str:
    """The name of a token in the deny list: its SHA-256, base64url."""
    return base64url.encode(hashlib.sha256(token.encode()).digest())


def issue_session_token(
    user_name: str, secret: str, *, now: float, ttl_seconds: int, password_version: str
) -> str:
    claims = {
        "u": user_name,
        "exp": int(now) + ttl_seconds,
        "pv": password_version,
        "n": secrets.token_urlsafe(12),
    }
    payload = base64url.encode(json.dumps(claims).encode())
    return f"{payload}.{_sign(payload, secret)}"


def read_session_claims(token: str | None, secret: str, *, now: float) -> SessionClaims | None:
    """The claims of a valid, unexpired token signed with `secret`; whether its password
    version is still the user's is for the caller, who knows the users, to check, and whether
    it was revoked for `SessionVerifier`."""
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
    return SessionClaims(user_name, expires, version, token_id(token)) if expires > now else None


class RevokedSessions:
    """The deny list: ids of tokens ended before their expiry, each kept until that expiry
    (after which the token is refused as expired anyway)."""

    def __init__(self) -> None:
        self._expiry: dict[str, int] = {}

    def revoke(self, revoked_id: str, expires: int) -> bool:
        """Deny the token until `expires` (epoch s); False if it was denied already."""
        known = revoked_id in self._expiry
        self._expiry[revoked_id] = max(expires, self._expiry.get(revoked_id, expires))
        return not known

    def __contains__(self, revoked_id: object) -> bool:
        return revoked_id in self._expiry

    def __len__(self) -> int:
        return len(self._expiry)

    def drop_expired(self, now: float) -> int:
        """Forget the tokens that have expired by `now`; returns how many."""
        expired = [revoked for revoked, expires in self._expiry.items() if expires <= now]
        for revoked in expired:
            del self._expiry[revoked]
        return len(expired)


class SessionVerifier:
    """The claims of a session cookie that is signed with the secret, unexpired and not
    revoked. A verified token is remembered (bounded, oldest first out) until it expires, so a
    busy desktop does not pay HMAC and JSON per request; the deny list is asked every time."""

    def __init__(self, secret: str, revoked: RevokedSessions, *, cache_size: int = 1024) -> None:
        self._secret = secret
        self._revoked = revoked
        self._cache_size = cache_size
        self._verified: dict[str, SessionClaims] = {}

    def claims(self, token: str | None, *, now: float) -> SessionClaims | None:
        if not token:
            return None
        claims = self._verified.get(token)
        if claims is None or claims.expires <= now:
            claims = read_session_claims(token, self._secret, now=now)
            if claims is None:
                self._verified.pop(token, None)
                return None
            self._verified[token] = claims
            if len(self._verified) > self._cache_size:
                del self._verified[next(iter(self._verified))]
        return None if claims.token_id in self._revoked else claims


def _sign(payload: str, secret: str) -> str:
    return base64url.encode(hmac.new(secret.encode(), payload.encode(), hashlib.sha256).digest())
