"""GWS error replies: only `statusCode` and `statusMessage`, and nothing was changed."""

from fastapi.responses import JSONResponse

_AUTH_CHALLENGE = {"WWW-Authenticate": 'Basic realm="GWS"'}


class GwsError(Exception):
    def __init__(self, http_status: int, status_code: int, message: str) -> None:
        super().__init__(message)
        self.http_status = http_status
        self.status_code = status_code
        self.message = message

    def reply(self) -> JSONResponse:
        return JSONResponse(
            {"statusCode": self.status_code, "statusMessage": self.message},
            status_code=self.http_status,
            headers=_AUTH_CHALLENGE if self.status_code == 20 else None,
        )


def access_denied() -> GwsError:
    return GwsError(401, 20, "Access denied")


def missing(parameter: str) -> GwsError:
    return GwsError(400, 1, f"Missing required parameter '{parameter}'")


def invalid(parameter: str, allowed: str) -> GwsError:
    return GwsError(400, 2, f"Invalid value for parameter '{parameter}': expected {allowed}")


def out_of_range(parameter: str, allowed: str) -> GwsError:
    return GwsError(
        400, 10, f"Value of parameter '{parameter}' is out of range: expected {allowed}"
    )


def not_accepted(reason: str) -> GwsError:
    return GwsError(503, 4, f"The command was not accepted: {reason}")
