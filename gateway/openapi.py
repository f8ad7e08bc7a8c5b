"""What the OpenAPI document says that FastAPI cannot infer: the handlers read their requests
by hand (so that every fault gets a GWS error, never FastAPI's 422), so their bodies, path
parameters, replies and credentials are declared here."""

from typing import Any, Literal

from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict, Field

from agent_access.identity import OUTBOUND_FEATURE
from agent_access.session import SESSION_COOKIE
from gateway.errors import GwsError, access_denied, invalid, missing, not_accepted, out_of_range
from gateway.parameters import OperationTable

Responses = dict[int | str, dict[str, Any]]


class _Reply(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ErrorReply(_Reply):
    """A GWS error: nothing was changed."""

    status_code: int = Field(alias="statusCode")
    status_message: str = Field(alias="statusMessage", min_length=1)


class Accepted(_Reply):
    """The command is durably written; its outcome arrives over CometD."""

    status_code: Literal[0] = Field(alias="statusCode")


class User(_Reply):
    id: str
    user_name: str = Field(alias="userName")
    first_name: str = Field(alias="firstName")
    last_name: str = Field(alias="lastName")
    roles: list[str]
    enabled: bool


class MeReply(_Reply):
    status_code: Literal[0] = Field(alias="statusCode")
    user: User


class UserDevice(_Reply):
    id: str
    phone_number: str = Field(alias="phoneNumber")
    device_state: str = Field(alias="deviceState")


class DevicesReply(_Reply):
    status_code: Literal[0] = Field(alias="statusCode")
    devices: list[UserDevice]


class Health(_Reply):
    status: Literal["ok"]


class Readiness(_Reply):
    status: str


# HTTP status -> what it means, and an example of each statusCode it carries
_ERRORS: dict[int, tuple[str, list[GwsError]]] = {
    400: (
        "A required parameter is missing (1); a parameter, the operationName, the JSON body or "
        "the record handle is wrong (2); a value is out of range (10)",
        [
            missing("devicePath"),
            invalid("applicationId", "an integer"),
            out_of_range("timestamp", "an integer >= 0"),
        ],
    ),
    401: ("No or bad credentials (20), with a Basic challenge", [access_denied()]),
    403: (
        "The user lacks the api-voice-outbound feature (5); CSRF protection is on and the "
        "token is missing or wrong (3)",
        [
            GwsError(403, 5, f"The user lacks the feature '{OUTBOUND_FEATURE}'"),
            GwsError(403, 3, "Missing or invalid Csrf token"),
        ],
    ),
    404: (
        "The devicePath is not one of the user's devices (6)",
        [GwsError(404, 6, "Device '/devices/x' is not one of the user's")],
    ),
    413: (
        "The body exceeds the size limit (2)",
        [GwsError(413, 2, "The request body exceeds the limit of 65536 bytes")],
    ),
    500: (
        "An unexpected failure (4)",
        [GwsError(500, 4, "Internal error: the request was not processed")],
    ),
    503: (
        "The broker did not acknowledge the command in time (4)",
        [not_accepted("the message broker did not confirm it in time")],
    ),
}
_CHALLENGE = {"WWW-Authenticate": {"schema": {"type": "string"}, "example": 'Basic realm="GWS"'}}


def error_replies(*statuses: int) -> Responses:
    """GWS error replies, each with an example of every statusCode it carries."""
    return {status: _error_reply(status, *_ERRORS[status]) for status in statuses}


def _error_reply(status: int, description: str, errors: list[GwsError]) -> dict[str, Any]:
    examples = {
        f"statusCode {error.status_code}": {
            "value": {"statusCode": error.status_code, "statusMessage": error.message}
        }
        for error in errors
    }
    reply: dict[str, Any] = {
        "model": ErrorReply,
        "description": description,
        "content": {"application/json": {"examples": examples}},
    }
    if status == 401:
        reply["headers"] = _CHALLENGE
    return reply


SIGN_OUT_REPLIES: Responses = {
    200: {"model": Accepted, "description": "Signed out: the session cookie is cleared"},
    400: _error_reply(
        400,
        "The operationName is missing (1), not EndContactCenterSession, or the JSON body is "
        "wrong (2)",
        [missing("operationName"), invalid("operationName", "one of EndContactCenterSession")],
    ),
    **error_replies(401),
    403: _error_reply(
        403,
        "CSRF protection is on and the token is missing or wrong (3)",
        [GwsError(403, 3, "Missing or invalid Csrf token")],
    ),
    **error_replies(413),
    503: _error_reply(
        503,
        "The broker did not acknowledge the revocation in time (4): the session was not ended",
        [GwsError(503, 4, "The session was not ended: the message broker did not confirm it")],
    ),
}


COMMAND_REPLIES: Responses = {
    200: {"model": Accepted, "description": "Accepted"},
    **error_replies(400, 401, 403, 404, 413, 503),
}
UNEXPECTED_FAILURE = error_replies(500)

_SECURITY_SCHEMES = {
    "basic": {"type": "http", "scheme": "basic"},
    "sessionCookie": {
        "type": "apiKey",
        "in": "cookie",
        "name": SESSION_COOKIE,
        "description": "Set by any successful request that came with HTTP Basic",
    },
}
AGENT_SECURITY: dict[str, Any] = {"security": [{"basic": []}, {"sessionCookie": []}]}

RECORD_HANDLE = {
    "name": "recordHandle",
    "in": "path",
    "required": True,
    "description": "A non-negative integer; anything else is 400/2",
    "schema": {"type": "integer", "minimum": 0},
}
CAMPAIGN_NAME = {
    "name": "campaignName",
    "in": "path",
    "required": True,
    "schema": {"type": "string"},
}


def command_operation(
    operations: OperationTable[Any], *path_parameters: dict[str, Any]
) -> dict[str, Any]:
    """An outbound URL's operation: its path parameters, its credentials and its body, as
    `oneOf` the operations' schemas with an example each."""
    schemas = {
        name: model.model_json_schema(by_alias=True) for name, model in operations.models.items()
    }
    examples = {
        name: {"summary": name, "value": schema["examples"][0]} for name, schema in schemas.items()
    }
    media = {"schema": {"oneOf": list(schemas.values())}, "examples": examples}
    operation = {
        **AGENT_SECURITY,
        "requestBody": {"required": True, "content": {"application/json": media}},
    }
    if path_parameters:
        operation["parameters"] = list(path_parameters)
    return operation


def declare_security_schemes(app: FastAPI) -> None:
    """FastAPI declares only the schemes of its security dependencies; ours are checked by
    `gateway.auth`, in the spec's order, so they are added to the generated document."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        document = generate()
        document.setdefault("components", {})["securitySchemes"] = _SECURITY_SCHEMES
        return document

    app.openapi = openapi  # type: ignore[method-assign]
