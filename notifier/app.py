"""The composition root: `create_app(settings)` wires the notifier's parts into a FastAPI app.

The lifespan owns the two long-running tasks, the `ocs.events` consumer and the session
sweeper; nothing connects before it runs.
"""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from typing import Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp

from agent_access.credentials import Authenticator
from agent_access.http_security import SecurityHeaders
from agent_access.identity import UserDirectory
from agent_access.origins import OriginPolicy
from agent_access.password_checks import PasswordCheckSlots
from agent_access.revocation_log import RevocationReader
from agent_access.session import RevokedSessions, SessionVerifier
from agent_access.sign_in_throttle import SignInThrottle
from agent_access.users_reload import UsersFileWatcher
from notifier.anonymous_sockets import AnonymousSockets
from notifier.bayeux import Advice, Bayeux
from notifier.delivery import Delivery
from notifier.endpoint import BayeuxEndpoint, NotifierApp
from notifier.host_check import HostCheck
from notifier.kafka import EventConsumer
from notifier.metrics import NotifierMetrics
from notifier.replay import Replayer
from notifier.sessions import SessionRegistry
from notifier.settings import NotifierSettings
from notifier.transports import LongPolling, OriginGuard, WebSocketTransport
from observability.tracing import Tracing
from outbound_contracts.revocations import SessionRevoked

log = logging.getLogger(__name__)


class Notifier:
    """The parts of one notifier process, reachable from tests as `app.state.notifier`."""

    def __init__(self, settings: NotifierSettings) -> None:
        self.settings = settings
        self.metrics = NotifierMetrics()
        self.registry = SessionRegistry(
            queue_limit=settings.session_queue_limit,
            max_interval_s=settings.max_interval_ms / 1000,
            max_sessions_per_user=settings.max_sessions_per_user,
            max_subscriptions_per_session=settings.max_subscriptions_per_session,
            metrics=self.metrics,
        )
        revoked = RevokedSessions(settings.revoked_sessions_capacity)
        self.metrics.revoked_sessions.set_function(lambda: len(revoked))
        directory = UserDirectory.load(settings.users_file)
        self.authenticator = Authenticator(
            directory,
            SessionVerifier(settings.session_secret, revoked),
            cache_size=settings.basic_auth_cache_size,
            throttle=SignInThrottle(settings.throttle_policy),
            slots=PasswordCheckSlots(
                workers=settings.hash_workers, queue=settings.password_hash_queue
            ),
            on_refusal=lambda reason: self.metrics.sign_ins_refused.labels(reason).inc(),
        )
        self.revocations = RevocationReader(
            settings.kafka,
            settings.topics.session_revocations,
            revoked,
            on_revoked=self.end_revoked_session,
        )
        self.users_file = UsersFileWatcher(
            settings.users_file,
            directory,
            interval_s=settings.users_file_poll_seconds,
            on_change=self.end_sessions_of,
            on_reload=lambda result: self.metrics.users_file_reloads.labels(result).inc(),
        )
        delivery = Delivery(self.registry, self.metrics)
        self.tracing = Tracing.exporting_to(settings.otlp_endpoint, "notifier")
        self.consumer = EventConsumer(
            settings.kafka, settings.topics.events, delivery, self.tracing
        )
        self.replayer = Replayer(
            settings.kafka,
            settings.topics.events,
            registry=self.registry,
            live=self.consumer,
            delivery=delivery,
            metrics=self.metrics,
            queue_limit=settings.session_queue_limit,
            max_running=settings.max_replays_running,
            max_per_user=settings.max_replays_per_user,
        )
        self.bayeux = Bayeux(
            self.registry,
            self.authenticator,
            Advice(
                connect_timeout_ms=settings.connect_timeout_ms,
                multi_session_interval_ms=settings.multi_session_interval_ms,
            ),
            self.metrics,
            self.replayer,
        )

    async def sweep(self) -> None:
        while True:
            await asyncio.sleep(self.settings.sweep_interval_ms / 1000)
            if expired := self.registry.expire():
                log.info("sessions expired", extra={"count": expired})

    def end_revoked_session(self, revocation: SessionRevoked) -> None:
        """The sessions the revoked token opened end: a held connect is answered at once
        (402, re-handshake), and the re-handshake with that cookie is refused (403)."""
        for session in self.registry.sessions_of(revocation.user_name):
            if session.token_id == revocation.token_id:
                self.registry.end(session, "revoked")

    def end_sessions_of(self, user_names: set[str]) -> None:
        """The users' passwords changed (or they were disabled or removed): every session of
        theirs ends, whatever opened it."""
        self.authenticator.forget(user_names)
        for user_name in user_names:
            for session in self.registry.sessions_of(user_name):
                self.registry.end(session, "revoked")

    def end_all_sessions(self, reason: str) -> None:
        """Answer every held connect and forget every session (clients re-handshake)."""
        for session in self.registry.all():
            self.registry.end(session, reason)


def create_app(settings: NotifierSettings) -> FastAPI:
    notifier = Notifier(settings)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        tasks = [
            asyncio.create_task(notifier.consumer.run(), name="notifier-consumer"),
            asyncio.create_task(notifier.sweep(), name="notifier-sweeper"),
            asyncio.create_task(notifier.revocations.run(), name="notifier-revocations"),
            asyncio.create_task(notifier.users_file.run(), name="notifier-users-file"),
        ]
        try:
            yield
        finally:
            notifier.end_all_sessions("shutdown")
            await notifier.replayer.stop()
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            notifier.tracing.shutdown()

    guard = OriginGuard(OriginPolicy(settings.allowed_origins), notifier.metrics)
    long_polling = LongPolling(
        notifier.bayeux,
        guard,
        max_request_bytes=settings.max_request_bytes,
        cookie_path=settings.path,
        cookies_secure=settings.cookies_secure,
    )
    anonymous = AnonymousSockets(
        per_address=settings.websocket_anonymous_per_address,
        handshake_timeout_s=settings.websocket_handshake_timeout_seconds,
    )
    websocket = WebSocketTransport(notifier.bayeux, guard, anonymous)
    app = NotifierApp(
        bayeux_path=settings.path,
        bayeux=BayeuxEndpoint(long_polling, websocket),
        middleware=partial(_with_middleware, settings=settings),
        title="GWS notifier",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.notifier = notifier

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz")
    async def readyz() -> Response:
        if not notifier.revocations.caught_up.is_set():
            return JSONResponse({"status": "not ready: revoked sessions not read yet"}, 503)
        if notifier.consumer.ready.is_set():
            return JSONResponse({"status": "ready"})
        return JSONResponse({"status": "not ready: not consuming events"}, status_code=503)

    if settings.metrics_enabled:

        @app.get("/metrics")
        async def metrics() -> Response:
            exposition = generate_latest(notifier.metrics.registry)
            return Response(exposition, media_type=CONTENT_TYPE_LATEST)

    return app


def _with_middleware(app: ASGIApp, settings: NotifierSettings) -> ASGIApp:
    """`app` (the CometD endpoint and FastAPI's routes) behind the notifier's one chain."""
    if settings.allowed_origins:  # none: same-origin only, and no CORS work per request
        app = CORSMiddleware(app, **_cors(settings))
    if settings.host_allow_list is not None:  # bound to every address: any host
        app = HostCheck(app, settings.host_allow_list)
    # Outermost: every reply carries the headers, preflights included.
    return SecurityHeaders(app, hsts=settings.tls is not None)


def _cors(settings: NotifierSettings) -> dict[str, Any]:
    return {
        "allow_origins": settings.allowed_origins,
        "allow_credentials": True,
        "allow_methods": ["POST", "GET", "OPTIONS"],
        "allow_headers": ["Content-Type", "Authorization", "X-Requested-With"],
    }
