"""The composition root: settings in, a FastAPI app out, Kafka owned by the lifespan."""

import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException

from gateway.errors import GwsError, access_denied
from gateway.publisher import CommandPublisher, KafkaCommandPublisher
from gateway.record_requests import operation_of, parse_body, record_command
from gateway.settings import GatewaySettings
from outbound_contracts.credentials import Authenticator
from outbound_contracts.identity import OUTBOUND_FEATURE, UserAccount, UserDirectory
from outbound_contracts.session import SESSION_COOKIE, issue_session_token
from outbound_contracts.topics import TopicNames

log = logging.getLogger("gateway")


def create_app(settings: GatewaySettings, publisher: CommandPublisher | None = None) -> FastAPI:
    directory = UserDirectory.load(settings.users_file)
    authenticator = Authenticator(directory, settings.session_secret, cache_size=1024)

    async def caller_of(request: Request) -> UserAccount:
        user_name = await authenticator.user_for(
            request.headers.get("authorization"), request.cookies.get(SESSION_COOKIE)
        )
        account = directory.get(user_name) if user_name is not None else None
        if account is None:
            raise access_denied()
        return account

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[dict[str, CommandPublisher]]:
        if publisher is not None:
            yield {"publisher": publisher}
            return
        kafka = KafkaCommandPublisher(
            settings.kafka_bootstrap_servers,
            TopicNames.with_prefix(settings.topic_prefix).commands,
            settings.publish_timeout_seconds,
        )
        await kafka.start()
        try:
            yield {"publisher": kafka}
        finally:
            await kafka.stop()

    app = FastAPI(title="GWS v2 Outbound API", lifespan=lifespan)

    @app.exception_handler(GwsError)
    async def gws_error(request: Request, error: GwsError) -> JSONResponse:
        log.info("refused %s %s: %s", request.method, request.url.path, error.message)
        return error.reply()

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException) -> JSONResponse:
        status_code = 6 if error.status_code == 404 else 2
        return GwsError(error.status_code, status_code, str(error.detail)).reply()

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, error: RequestValidationError) -> JSONResponse:
        return GwsError(400, 2, "Invalid request").reply()

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/api/v2/me")
    async def me(request: Request) -> dict[str, object]:
        caller = await caller_of(request)
        user = {
            "id": caller.id,
            "userName": caller.user_name,
            "firstName": caller.first_name,
            "lastName": caller.last_name,
            "roles": caller.roles,
            "enabled": caller.enabled,
        }
        return {"statusCode": 0, "user": user}

    @app.get("/api/v2/me/devices")
    async def my_devices(request: Request) -> dict[str, object]:
        caller = await caller_of(request)
        devices = [
            {"id": d.id, "phoneNumber": d.phone_number, "deviceState": d.device_state}
            for d in caller.devices
        ]
        return {"statusCode": 0, "devices": devices}

    @app.post("/api/v2/me/outbound-records/{record_handle}")
    async def outbound_record(record_handle: str, request: Request) -> Response:
        received_at_ns = time.time_ns()
        caller = await caller_of(request)
        if not caller.has_feature(OUTBOUND_FEATURE):
            raise GwsError(403, 5, f"The user lacks the feature '{OUTBOUND_FEATURE}'")
        raw = await request.body()
        if len(raw) > settings.max_body_bytes:
            raise GwsError(
                413, 2, f"The request body exceeds the limit of {settings.max_body_bytes} bytes"
            )
        body = parse_body(raw)
        operation = operation_of(body)
        command = record_command(
            operation,
            record_handle,
            body,
            user_name=caller.user_name,
            received_at_ns=received_at_ns,
        )
        if caller.device_at(body["devicePath"]) is None:
            raise GwsError(404, 6, f"Device '{body['devicePath']}' is not one of the user's")
        await request.state.publisher.publish(command)
        log.info(
            "accepted %s command_id=%s user=%s", operation, command.command_id, caller.user_name
        )
        response = JSONResponse({"statusCode": 0})
        token = issue_session_token(
            caller.user_name,
            settings.session_secret,
            now=time.time(),
            ttl_seconds=settings.session_ttl_seconds,
        )
        response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="lax", path="/")
        return response

    return app
