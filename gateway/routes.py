"""The outbound operations' URLs: each request runs the spec's checks in order and, once all
pass, becomes one command on `ocs.commands`; `{"statusCode": 0}` only after the broker's ack."""

import logging
import time

from fastapi import APIRouter, Request, Response
from fastapi.routing import APIRoute
from starlette.types import Receive, Scope, Send

from agent_access.identity import UserAccount
from gateway.auth import Gatekeeper
from gateway.campaign_requests import CAMPAIGN_OPERATIONS
from gateway.errors import GwsError
from gateway.kafka import CommandPublisher
from gateway.metrics import GatewayMetrics, outcome
from gateway.openapi import CAMPAIGN_NAME, COMMAND_REPLIES, RECORD_HANDLE, command_operation
from gateway.parameters import (
    DEVICE_PREFIX,
    CommandRequest,
    OperationTable,
    Receipt,
    parse_body,
    read_body,
)
from gateway.record_requests import HELD_RECORD_OPERATIONS, UNHELD_RECORD_OPERATIONS
from outbound_contracts.commands import AgentCommand

log = logging.getLogger("gateway")

_ACCEPTED = b'{"statusCode":0}'


class Intake:
    def __init__(self, gatekeeper: Gatekeeper, metrics: GatewayMetrics, max_body_bytes: int):
        self._gatekeeper = gatekeeper
        self._metrics = metrics
        self._max_body_bytes = max_body_bytes

    async def accept(
        self, request: Request, operations: OperationTable[CommandRequest]
    ) -> Response:
        received_at_ns = time.time_ns()
        operation = "unknown"
        user_name = None
        try:
            caller = await self._gatekeeper.agent(request)
            user_name = caller.user_name
            body = parse_body(await read_body(request, self._max_body_bytes))
            model = operations.model_for(body.get("operationName"))
            operation = model.operation()
            receipt = Receipt(caller.user_name, received_at_ns)
            command = model.parse(body).command(receipt, request.path_params)
            _check_device(caller, command)
            command = _granted(caller, command)
            await self._publish(request.state.publisher, command)
        except GwsError as error:
            self._metrics.count(operation, error.http_status)
            log.info(
                "refused",
                extra={
                    "user": user_name,
                    "operation": operation,
                    "outcome": outcome(error.http_status),
                    "status_code": error.status_code,
                    "reason": error.message,
                },
            )
            return error.reply()
        self._metrics.count(operation, 200)
        log.info(
            "accepted",
            extra={
                "command_id": command.command_id,
                "user": user_name,
                "operation": operation,
                "outcome": outcome(200),
            },
        )
        response = Response(_ACCEPTED, media_type="application/json")
        self._gatekeeper.admit(request, response, caller, read_only=False)
        return response

    async def _publish(self, publisher: CommandPublisher, command: AgentCommand) -> None:
        started = time.perf_counter()
        try:
            await publisher.publish(command)
        finally:
            self._metrics.publish_seconds.observe(time.perf_counter() - started)


def _check_device(caller: UserAccount, command: AgentCommand) -> None:
    device_path = DEVICE_PREFIX + command.device_id
    if caller.device_at(device_path) is None:
        raise GwsError(404, 6, f"Device '{device_path}' is not one of the user's")


def _granted(caller: UserAccount, command: AgentCommand) -> AgentCommand:
    """A campaign the caller may not work is published all the same, marked withheld: the
    worker answers it as a campaign that does not exist (104 over CometD, after the same 0
    here), so the reply tells nothing of the campaigns the caller is not given."""
    if caller.may_work(command.campaign_name):
        return command
    log.info(
        "campaign withheld",
        extra={
            "command_id": command.command_id,
            "user": caller.user_name,
            "campaign": command.campaign_name,
        },
    )
    return command.model_copy(update={"campaign_withheld": True})


class CommandRoute(APIRoute):
    """An operation URL served without FastAPI's per-request machinery (dependency solving,
    query parsing, exit stacks): its endpoint takes the bare request and answers a finished
    response, so none of that is needed. Everything FastAPI reads from the route at start-up,
    the OpenAPI document included, is unchanged; errors escape to the app's handlers as before."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.methods is None or scope["method"] not in self.methods:
            await super().handle(scope, receive, send)  # 405, as FastAPI answers it
            return
        response = await self.endpoint(Request(scope, receive, send))
        await response(scope, receive, send)


def outbound_router(intake: Intake) -> APIRouter:
    router = APIRouter(
        prefix="/api/v2/me",
        tags=["outbound"],
        responses=COMMAND_REPLIES,
        route_class=CommandRoute,
    )

    @router.post(
        "/outbound-records/{recordHandle}",
        summary="An operation on a record the agent holds",
        openapi_extra=command_operation(HELD_RECORD_OPERATIONS, RECORD_HANDLE),
    )
    async def held_record(request: Request) -> Response:
        return await intake.accept(request, HELD_RECORD_OPERATIONS)

    @router.post(
        "/outbound-records",
        summary="Do-not-call by phone number, or a new record",
        openapi_extra=command_operation(UNHELD_RECORD_OPERATIONS),
    )
    async def records(request: Request) -> Response:
        return await intake.accept(request, UNHELD_RECORD_OPERATIONS)

    @router.post(
        "/outbound-campaigns/{campaignName}",
        summary="The agent's preview session in a campaign",
        openapi_extra=command_operation(CAMPAIGN_OPERATIONS, CAMPAIGN_NAME),
    )
    async def campaign(request: Request) -> Response:
        return await intake.accept(request, CAMPAIGN_OPERATIONS)

    return router
