"""What every gateway reply must be, whatever was sent (spec §1 "Errors", docs/gateway.md):
never 5xx (the broker is up); an error is exactly `{"statusCode": int, "statusMessage": str}`
with a status/code pair of the error table; a success is exactly `{"statusCode": 0}`, or a
GET's documented body."""

from collections.abc import Mapping

from tests.fuzz.json_values import loads_strictly

ERROR_PAIRS = frozenset(
    {
        (400, 1),  # required parameter missing
        (400, 2),  # wrong type, bad enum, unknown operationName, malformed JSON
        (400, 10),  # out of range
        (401, 20),  # no or bad credentials
        (403, 3),  # CSRF
        (403, 5),  # the user lacks the feature
        (404, 6),  # not the user's device; unknown path
        (405, 2),  # wrong method
        (408, 2),  # the request not received within its deadline
        (413, 2),  # body over the limit
    }
)
_ME_KEYS = {"id", "userName", "firstName", "lastName", "roles", "enabled"}
_DEVICE_KEYS = {"id", "phoneNumber", "deviceState"}


def assert_gws_reply(
    method: str, path: str, status: int, headers: Mapping[str, str], content: bytes
) -> None:
    """`path` is the URL's path as served (`/api/v2/me/outbound-records/9`)."""
    assert status < 500, (method, path, status, content)
    if status == 200:
        _assert_success(method, path, headers, content)
    else:
        assert_gws_error(status, headers, content)


def assert_gws_error(status: int, headers: Mapping[str, str], content: bytes) -> None:
    assert headers["content-type"] == "application/json", headers
    body = loads_strictly(content)
    assert isinstance(body, dict), content
    assert set(body) == {"statusCode", "statusMessage"}, content
    code, message = body["statusCode"], body["statusMessage"]
    assert type(code) is int, content
    assert type(message) is str, content
    assert message, content
    assert (status, code) in ERROR_PAIRS, (status, content)
    if code == 20:
        assert headers["www-authenticate"].startswith("Basic"), headers


def _assert_success(method: str, path: str, headers: Mapping[str, str], content: bytes) -> None:
    if path == "/metrics":
        assert headers["content-type"].startswith("text/plain"), headers
        return
    assert headers["content-type"] == "application/json", headers
    body = loads_strictly(content)
    if method == "POST":
        assert body == {"statusCode": 0}, content
    elif path == "/healthz":
        assert body == {"status": "ok"}, content
    elif path == "/readyz":
        assert body == {"status": "ready"}, content
    elif path == "/api/v2/me":
        assert set(body) == {"statusCode", "user"}, content
        assert body["statusCode"] == 0, content
        assert set(body["user"]) == _ME_KEYS, content
    elif path == "/api/v2/me/devices":
        assert set(body) == {"statusCode", "devices"}, content
        assert body["statusCode"] == 0, content
        assert all(set(device) == _DEVICE_KEYS for device in body["devices"]), content
    else:
        raise AssertionError(f"200 on {method} {path}, which documents no body: {content!r}")
