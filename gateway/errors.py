"""GWS error replies: only `statusCode` and `statusMessage`, and nothing was changed."""

from fastapi.responses import JSONResponse

_AUTH_CHALLENGE = {"WWW-Authenticate": 'Basic realm="GWS"'}


class GwsError(Exception):
    def __init__(
        self,
        http_status: int,
        status_code: int,
        message: str,
        *,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.http_status = http_status
        self.status_code = status_code
        self.message = message
        self.headers = headers or {}

    def reply(self) -> JSONResponse:
        challenge = _AUTH_CHALLENGE if self.status_code == 20 else {}
        return JSONResponse(
            {"statusCode": self.status_code, "statusMessage": self.message},
            status_code=self.http_status,
            headers={**challenge, **self.headers} or None,
        )


def access_denied() -> GwsError:
    return GwsError(401, 20, "Access denied")


def sign_in_throttled(retry_after_s: int) -> GwsError:
    """401/20 like any refused sign-in, with the wait in `Retry-After`: no password checked."""
    return GwsError(
        401,
        20,
        f"Access denied: too many failed sign-ins, retry after {retry_after_s} s",
        headers={"Retry-After": str(retry_after_s)},
    )


def sign_in_busy(retry_after_s: int) -> GwsError:
    """503/4: every password-hashing slot is taken; the password was not checked."""
    return GwsError(
        503,
        4,
        f"Sign-in busy: too many passwords being checked, retry after {retry_after_s} s",
        headers={"Retry-After": str(retry_after_s)},
    )


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
