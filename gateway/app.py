"""The composition root: settings in, a FastAPI app out, Kafka owned by the lifespan."""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.exceptions import HTTPException

from agent_access.http_security import SecurityHeaders
from agent_access.identity import UserDirectory
from agent_access.revocation_log import RevocationReader
from agent_access.session import RevokedSessions
from agent_access.users_reload import UsersFileWatcher
from gateway.auth import Gatekeeper
from gateway.background_producer import BackgroundProducer
from gateway.browsers import serve_browsers
from gateway.desktop import serve_desktop
from gateway.errors import GwsError
from gateway.kafka import CommandPublisher, KafkaCommandPublisher
from gateway.metrics import GatewayMetrics
from gateway.openapi import (
    AGENT_SECURITY,
    UNEXPECTED_FAILURE,
    DevicesReply,
    Health,
    MeReply,
    Readiness,
    declare_security_schemes,
    error_replies,
)
from gateway.revocation_writer import RevocationWriter
from gateway.routes import Intake, outbound_router
from gateway.settings import GatewaySettings
from gateway.sign_out import LocalRevocations, sign_out_router
from gateway.sign_out_rate import SignOutRate
from gateway.tracing import instrument_requests
from observability.tracing import Tracing
from outbound_contracts.asyncapi import asyncapi_document

log = logging.getLogger("gateway")


def create_app(settings: GatewaySettings, publisher: CommandPublisher | None = None) -> FastAPI:
    """The gateway; `publisher` replaces Kafka in unit tests (the lifespan then owns nothing,
    and sign-outs reach this process's deny list only)."""
    metrics = GatewayMetrics()
    revoked = RevokedSessions(settings.revoked_sessions_capacity)
    metrics.observe_revoked(lambda: len(revoked))
    directory = UserDirectory.load(settings.users_file)
    gatekeeper = Gatekeeper(directory, settings, metrics, revoked)
    watcher = UsersFileWatcher(
        settings.users_file,
        directory,
        interval_s=settings.users_file_poll_seconds,
        on_change=gatekeeper.forget,
        on_reload=lambda result: metrics.users_file_reloads.labels(result).inc(),
    )
    tracing = Tracing.exporting_to(settings.otlp_endpoint, "gateway")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[dict[str, object]]:
        watching = asyncio.create_task(watcher.run(), name="gateway-users-file")
        try:
            async with _kafka_or_not(settings, publisher, revoked, tracing) as state:
                yield state
        finally:
            watching.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watching

    app = FastAPI(
        title="GWS v2 Outbound API",
        description="Genesys Web Services v2 Outbound record operations, published to Kafka. "
        'Every operation answers `{"statusCode": 0}` once the command is durably written; '
        "its outcome arrives over CometD at /api/v2/notifications. Errors carry only "
        "`statusCode` and `statusMessage`.",
        version="2",
        lifespan=lifespan,
        # A trailing slash is an unknown path (404/6), not a 307 to the URL without it.
        redirect_slashes=False,
        responses=UNEXPECTED_FAILURE,
        # No documentation UI: FastAPI's pages load their scripts from a CDN. The documents
        # themselves only when asked for (docs/operations.md, "What is public").
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json" if settings.api_documents_enabled else None,
        # FastAPI's own telemetry looks up the global OpenTelemetry providers on every request;
        # the gateway's spans come from `instrument_requests` with its own provider instead.
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    declare_security_schemes(app)
    serve_browsers(app, settings.allowed_origins, settings.host_allow_list)
    if tracing.provider is not None:
        instrument_requests(app, tracing.provider)
    # Added last, so it is outermost: every reply carries the headers, refusals included.
    app.add_middleware(SecurityHeaders, hsts=settings.tls is not None)
    app.include_router(
        outbound_router(Intake(gatekeeper, metrics, max_body_bytes=settings.max_body_bytes))
    )
    app.include_router(
        sign_out_router(
            gatekeeper,
            revoked,
            metrics,
            max_body_bytes=settings.max_body_bytes,
            rate=SignOutRate(settings.sign_outs_per_user_per_minute),
        )
    )

    @app.exception_handler(GwsError)
    async def gws_error(request: Request, error: GwsError) -> JSONResponse:
        return error.reply()

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException) -> JSONResponse:
        if error.status_code == 404:
            return GwsError(404, 6, f"No resource at {request.url.path}").reply()
        return GwsError(error.status_code, 2, str(error.detail)).reply()

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, error: RequestValidationError) -> JSONResponse:
        return GwsError(400, 2, "Invalid request").reply()

    @app.exception_handler(Exception)
    async def internal_error(request: Request, error: Exception) -> JSONResponse:
        log.exception("internal error on %s %s", request.method, request.url.path)
        return GwsError(500, 4, "Internal error: the request was not processed").reply()

    @app.get("/healthz", tags=["operations"], responses={200: {"model": Health}})
    async def healthz() -> Response:
        return JSONResponse({"status": "ok"})

    @app.get(
        "/readyz",
        tags=["operations"],
        responses={
            200: {"model": Readiness},
            503: {
                "model": Readiness,
                "description": "The message broker does not answer, or the revoked sessions "
                "are not read yet",
            },
        },
    )
    async def readyz(request: Request) -> Response:
        if not request.state.revocations_read.is_set():
            return JSONResponse({"status": "not ready: revoked sessions not read yet"}, 503)
        if await request.state.publisher.ready():
            return JSONResponse({"status": "ready"})
        return JSONResponse({"status": "not ready: the message broker does not answer"}, 503)

    _serve_on_settings(app, settings, metrics)

    @app.get(
        "/api/v2/me",
        tags=["me"],
        responses={200: {"model": MeReply}, **error_replies(401)},
        openapi_extra=AGENT_SECURITY,
    )
    async def me(request: Request) -> Response:
        caller = await gatekeeper.caller(request)
        user = {
            "id": caller.id,
            "userName": caller.user_name,
            "firstName": caller.first_name,
            "lastName": caller.last_name,
            "roles": caller.roles,
            "enabled": caller.enabled,
        }
        response = JSONResponse({"statusCode": 0, "user": user})
        gatekeeper.admit(request, response, caller, read_only=True)
        return response

    @app.get(
        "/api/v2/me/devices",
        tags=["me"],
        responses={200: {"model": DevicesReply}, **error_replies(401)},
        openapi_extra=AGENT_SECURITY,
    )
    async def my_devices(request: Request) -> Response:
        caller = await gatekeeper.caller(request)
        devices = [
            {"id": d.id, "phoneNumber": d.phone_number, "deviceState": d.device_state}
            for d in caller.devices
        ]
        response = JSONResponse({"statusCode": 0, "devices": devices})
        gatekeeper.admit(request, response, caller, read_only=True)
        return response

    serve_desktop(app, settings.desktop_cometd_url)
    return app


def _serve_on_settings(app: FastAPI, settings: GatewaySettings, metrics: GatewayMetrics) -> None:
    """What only a setting makes public (docs/operations.md, "Security", what is public)."""
    if settings.metrics_enabled:

        @app.get(
            "/metrics",
            tags=["operations"],
            response_class=Response,
            responses={200: {"content": {CONTENT_TYPE_LATEST: {"schema": {"type": "string"}}}}},
        )
        async def prometheus() -> Response:
            return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    if settings.api_documents_enabled:

        @app.get("/asyncapi.json", include_in_schema=False)
        async def asyncapi() -> Response:
            """The Kafka topics' contract, beside the HTTP API's /openapi.json."""
            return JSONResponse(asyncapi_document())


@asynccontextmanager
async def _kafka_or_not(
    settings: GatewaySettings,
    publisher: CommandPublisher | None,
    revoked: RevokedSessions,
    tracing: Tracing,
) -> AsyncIterator[dict[str, object]]:
    """The lifespan's state: the command publisher, where revocations go, and whether the
    revocations written before this gateway started are in its deny list."""
    if publisher is not None:
        read = asyncio.Event()
        read.set()
        yield {
            "publisher": publisher,
            "revocations": LocalRevocations(revoked),
            "revocations_read": read,
        }
        return
    topics = settings.topics
    kafka, bound = settings.kafka, settings.publish_timeout_seconds
    backoff = settings.kafka_retry_backoff_ms
    commands = BackgroundProducer(
        kafka, topics.commands, client_id="gws-gateway", timeout_s=bound, retry_backoff_ms=backoff
    )
    revocations = BackgroundProducer(
        kafka,
        topics.session_revocations,
        client_id="gws-gateway-revocations",
        timeout_s=bound,
        retry_backoff_ms=backoff,
    )
    reader = RevocationReader(kafka, topics.session_revocations, revoked)
    reading = asyncio.create_task(reader.run(), name="gateway-revocations")
    # Each waits up to the publish bound, together; the gateway serves in any case.
    await asyncio.gather(commands.start(), revocations.start(), _wait(reader.caught_up, settings))
    try:
        yield {
            "publisher": KafkaCommandPublisher(commands, tracing),
            "revocations": RevocationWriter(revocations),
            "revocations_read": reader.caught_up,
        }
    finally:
        reading.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await reading
        await revocations.stop()
        await commands.stop()
        tracing.shutdown()


async def _wait(event: asyncio.Event, settings: GatewaySettings) -> None:
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(settings.publish_timeout_seconds):
            await event.wait()
