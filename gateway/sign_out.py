"""Sign-out as GWS has it: `POST /api/v2/me` with `{"operationName":
"EndContactCenterSession"}` ends the caller's session. The cookie's token is written to
`ocs.session-revocations` (acks=all) before the reply, so every gateway and notifier refuses it
from then on; the reply clears the cookie."""

import logging
import time
from typing import Literal, Protocol

from fastapi import APIRouter, Request, Response
from pydantic import ConfigDict, Field

from agent_access.session import RevokedSessions, SessionClaims
from gateway.auth import Gatekeeper
from gateway.errors import GwsError
from gateway.metrics import GatewayMetrics
from gateway.openapi import SIGN_OUT_REPLIES, command_operation
from gateway.parameters import GwsRequest, OperationTable, parse_body, read_body
from gateway.revocation_writer import RevocationWriteFailed
from outbound_contracts.revocations import SessionRevoked

log = logging.getLogger("gateway")

_SIGNED_OUT = b'{"statusCode":0}'


class EndContactCenterSession(GwsRequest):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"operationName": "EndContactCenterSession"}]}
    )
    operation_name: Literal["EndContactCenterSession"] = Field(alias="operationName")


ME_OPERATIONS = OperationTable[GwsRequest](EndContactCenterSession)


class RevocationSink(Protocol):
    async def write(self, revocation: SessionRevoked) -> None:
        """Return once every instance will learn of it; RevocationWriteFailed otherwise."""


class LocalRevocations:
    """Revocations that reach this process only: for an app that owns no Kafka client."""

    def __init__(self, revoked: RevokedSessions) -> None:
        self._revoked = revoked

    async def write(self, revocation: SessionRevoked) -> None:
        self._revoked.revoke(revocation.token_id, revocation.expires)


def sign_out_router(
    gatekeeper: Gatekeeper, revoked: RevokedSessions, metrics: GatewayMetrics, max_body_bytes: int
) -> APIRouter:
    router = APIRouter(prefix="/api/v2", tags=["me"])

    @router.post(
        "/me",
        summary="Sign out: end the session of the request's cookie (EndContactCenterSession)",
        responses=SIGN_OUT_REPLIES,
        openapi_extra=command_operation(ME_OPERATIONS),
    )
    async def end_session(request: Request) -> Response:
        caller = await gatekeeper.caller(request)
        gatekeeper.check_csrf(request, caller)
        body = parse_body(await read_body(request, max_body_bytes))
        ME_OPERATIONS.model_for(body.get("operationName")).parse(body)
        claims = gatekeeper.session_of(request, caller)
        if claims is None:  # signed in with Basic alone: no session to end
            metrics.sign_outs.labels("no_session").inc()
        else:
            await _revoke(request.state.revocations, revoked, claims, metrics)
            log.info("signed out", extra={"user": caller.user_name, "token_id": claims.token_id})
        response = Response(_SIGNED_OUT, media_type="application/json")
        gatekeeper.end_session(response)
        return response

    return router


async def _revoke(
    sink: RevocationSink, revoked: RevokedSessions, claims: SessionClaims, metrics: GatewayMetrics
) -> None:
    revocation = SessionRevoked(
        token_id=claims.token_id,
        user_name=claims.user_name,
        expires=claims.expires,
        revoked_at_ms=int(time.time() * 1000),
    )
    try:
        await sink.write(revocation)
    except RevocationWriteFailed as error:
        metrics.sign_outs.labels("unavailable").inc()
        log.warning("sign-out failed", extra={"user": claims.user_name, "reason": str(error)})
        raise GwsError(
            503, 4, "The session was not ended: the message broker did not confirm it"
        ) from error
    # At once here, not only once this gateway's own reader brings it back.
    revoked.revoke(claims.token_id, claims.expires)
    metrics.sign_outs.labels("ended").inc()
