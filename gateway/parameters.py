"""A GWS request body, read in the spec's check order: JSON, `operationName`, required
parameters, then types and values.

Each operation is a pydantic model over the body's camelCase parameters. A field's description
says what the parameter allows, and is both its OpenAPI documentation and the text of the error
that names it. Unknown parameters are ignored and `null` counts as absent, as in GWS.
"""

import json
import uuid
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any, Generic, Self, TypeVar, get_args

from fastapi import Request as HttpRequest
from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr, ValidationError
from pydantic.fields import FieldInfo
from pydantic_core import ErrorDetails
from starlette.requests import ClientDisconnect

from gateway.errors import GwsError, invalid, missing, out_of_range
from outbound_contracts.commands import AgentCommand

Text = Annotated[StrictStr, Field(min_length=1)]
# Identifiers OCS keeps as 32-bit integers (record handles, chain ids, application DBIDs): a
# value past them is 400/10 here, not a command the worker, a desktop's JavaScript or another
# consumer of `ocs.commands` cannot hold.
ID_MAX = 2**31 - 1
Identifier = Annotated[StrictInt, Field(ge=0, le=ID_MAX)]
DEVICE_PREFIX = "/devices/"
_RANGE_ERRORS = frozenset({"greater_than", "greater_than_equal", "less_than", "less_than_equal"})


@dataclass(frozen=True, slots=True)
class Receipt:
    """Who sent the request and when it arrived: what every command carries beyond the body."""

    user_name: str
    received_at_ns: int
    command_id: str = field(default_factory=lambda: uuid.uuid4().hex)


class GwsRequest(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    operation_name: str = Field(alias="operationName")

    @classmethod
    def operation(cls) -> str:
        """The `operationName` this model reads, from its `Literal` annotation."""
        annotation = cls.model_fields["operation_name"].annotation
        (name,) = get_args(annotation)
        return str(name)

    @classmethod
    def parse(cls, body: dict[str, Any]) -> Self:
        try:
            return cls.model_validate({k: v for k, v in body.items() if v is not None})
        except ValidationError as error:
            raise _first_problem(cls.model_fields, error.errors(include_url=False)) from None


class AgentRequest(GwsRequest):
    """The parameters common to every operation but the campaign's name."""

    application_id: Identifier = Field(
        alias="applicationId", description=f"the application's DBID, an integer 0..{ID_MAX}"
    )
    device_path: StrictStr = Field(
        alias="devicePath",
        pattern=r"^/devices/[^/]+$",
        description="a device path '/devices/<id>' of one of the caller's devices",
    )
    reference_id: Text | None = Field(
        default=None,
        alias="referenceId",
        description="a non-empty string, echoed on every resulting CometD message",
    )

    @property
    def device_id(self) -> str:
        return self.device_path.removeprefix(DEVICE_PREFIX)

    def common(self, receipt: Receipt, campaign_name: str) -> dict[str, Any]:
        """The fields of `AgentCommand`, for the command this request becomes."""
        return {
            "command_id": receipt.command_id,
            "application_id": self.application_id,
            "campaign_name": campaign_name,
            "user_name": receipt.user_name,
            "device_id": self.device_id,
            "reference_id": self.reference_id,
            "received_at_ns": receipt.received_at_ns,
        }


class CommandRequest(AgentRequest, ABC):
    """An operation that becomes one command, which the request builds itself."""

    @abstractmethod
    def command(self, receipt: Receipt, path: Mapping[str, str]) -> AgentCommand:
        """The command; `path` holds the URL's parameters, checked after the body's (GwsError
        if one is wrong)."""


Request = TypeVar("Request", bound=GwsRequest)


class OperationTable(Generic[Request]):
    """The operations one URL serves, by `operationName`."""

    def __init__(self, *models: type[Request]) -> None:
        self.models = {model.operation(): model for model in models}
        self._allowed = f"one of {', '.join(self.models)}"

    def model_for(self, operation: object) -> type[Request]:
        """The model of `operationName`: missing is 400/1, one this URL does not serve 400/2."""
        if operation is None:
            raise missing("operationName")
        model = self.models.get(operation) if isinstance(operation, str) else None
        if model is None:
            raise invalid("operationName", self._allowed)
        return model


async def read_body(request: HttpRequest, max_bytes: int) -> bytes:
    """The raw body, refused (413/2) as soon as it exceeds the limit, never buffered whole;
    400/2 when the connection ends before the body (the client left, or its deadline passed:
    `agent_access.slow_clients`)."""
    try:
        return await _read_body(request, max_bytes)
    except ClientDisconnect:
        raise GwsError(400, 2, "The connection ended before the request body") from None


async def _read_body(request: HttpRequest, max_bytes: int) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isascii() and declared.isdigit():
        if int(declared) > max_bytes:
            raise _too_large(max_bytes)
        return await request.body()  # the HTTP framing holds it to the declared length
    chunks: list[bytes] = []
    received = 0
    async for chunk in request.stream():
        received += len(chunk)
        if received > max_bytes:
            raise _too_large(max_bytes)
        chunks.append(chunk)
    return b"".join(chunks)


def _too_large(max_bytes: int) -> GwsError:
    return GwsError(413, 2, f"The request body exceeds the limit of {max_bytes} bytes")


def parse_body(raw: bytes) -> dict[str, Any]:
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError) as error:
        raise GwsError(400, 2, "Malformed JSON body: expected a JSON object") from error
    if not isinstance(body, dict):
        raise GwsError(400, 2, "Malformed JSON body: expected a JSON object")
    return body


def record_handle(text: str) -> int:
    """The `{h}` of a record URL: a non-negative integer (else 400/2) up to `ID_MAX` (else
    400/10)."""
    if not (text.isascii() and text.isdigit()):
        raise invalid("recordHandle", "a non-negative integer")
    # Compared as text first: Python refuses to convert more than 4300 digits.
    if len(text.lstrip("0")) > len(str(ID_MAX)) or int(text) > ID_MAX:
        raise out_of_range("recordHandle", f"an integer 0..{ID_MAX}")
    return int(text)


def _first_problem(fields: dict[str, FieldInfo], problems: list[ErrorDetails]) -> GwsError:
    """Missing parameters are reported before wrong ones, each in the model's field order."""
    for problem in problems:
        if problem["type"] == "missing":
            return missing(_parameter(problem))
    problem = problems[0]
    parameter = _parameter(problem)
    described = next(
        (f.description for name, f in fields.items() if (f.alias or name) == parameter), None
    )
    allowed = described or problem["msg"]
    if problem["type"] in _RANGE_ERRORS:
        return out_of_range(parameter, allowed)
    return invalid(parameter, allowed)


def _parameter(problem: ErrorDetails) -> str:
    return str(problem["loc"][0]) if problem["loc"] else "body"
