"""Requests schemathesis does not write: arbitrary bytes, JSON that is not an object, invalid
UTF-8, non-finite numbers, deep nesting, absurd record handles and campaign names, any
Content-Type, and raw bytes that are not HTTP at all.

The gateway publishes to an in-memory publisher here: each request is refused before the
broker or, when it is a valid command, kept; "published exactly what was accepted" is checked.
Tests named after a case are regressions for bugs this fuzzing found."""

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gateway.kafka import InMemoryPublisher
from tests.fuzz.examples import fuzz_settings
from tests.fuzz.gws_replies import assert_gws_error, assert_gws_reply
from tests.fuzz.json_values import hostile_text, json_values
from tests.gateway.conftest import AGENT1_DEVICE, basic, running_gateway, settings, vector

REJECT = vector("reject-record")["request"]
ADD_RECORD = {
    "operationName": "AddRecord",
    "applicationId": 134,
    "campaignName": "Campaign1",
    "devicePath": AGENT1_DEVICE,
    "callingList": "CallingList1",
    "phoneNumber": "3100",
    "timeZone": "ECT",
    "phoneType": "HomePhone",
    "from": 32400,
    "until": 72000,
}
CONTENT_TYPES = [
    "application/json",
    "application/json; charset=utf-16",
    "text/plain",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x",
    "",
]


@dataclass(frozen=True)
class Gateway:
    base_url: str
    published: InMemoryPublisher

    @property
    def port(self) -> int:
        return int(self.base_url.rsplit(":", 1)[1])


@pytest.fixture
async def gateway() -> AsyncIterator[Gateway]:
    published = InMemoryPublisher()
    async with running_gateway(settings(), publisher=published) as base_url:
        yield Gateway(base_url, published)


def reject_with(key: str, value: Any) -> bytes:
    return json.dumps({**REJECT["body"], key: value}).encode()


record_handles = st.one_of(
    st.integers(min_value=0).map(str),
    hostile_text,
    st.integers(min_value=4000, max_value=6000).map(lambda digits: "9" * digits),
)
urls = st.one_of(
    record_handles.map(
        lambda handle: (
            f"/api/v2/me/outbound-records/{quote(handle, safe='', errors='surrogatepass')}"
        )
    ),
    st.just("/api/v2/me/outbound-records"),
    hostile_text.map(
        lambda name: f"/api/v2/me/outbound-campaigns/{quote(name, safe='', errors='surrogatepass')}"
    ),
)
bodies = st.one_of(
    st.binary(max_size=300),
    json_values.map(lambda value: json.dumps(value).encode()),
    st.builds(reject_with, st.sampled_from([*REJECT["body"], "otherFields"]), json_values),
    st.integers(min_value=1, max_value=70_000).map(lambda depth: b"[" * depth),
    st.sampled_from(["utf-16", "utf-32", "latin-1"]).map(
        lambda codec: json.dumps({**REJECT["body"], "referenceId": "é"}).encode(codec)
    ),
)


def fuzz_bodies(base_url: str, published: InMemoryPublisher) -> None:
    with httpx.Client(base_url=base_url, headers=basic("agent1"), timeout=10) as http:

        @fuzz_settings(300)
        @given(url=urls, body=bodies, content_type=st.sampled_from(CONTENT_TYPES))
        def replies_are_gws_and_only_accepted_commands_are_published(
            url: str, body: bytes, content_type: str
        ) -> None:
            before = len(published.published)
            response = http.post(url, content=body, headers={"Content-Type": content_type})
            assert_gws_reply("POST", url, response.status_code, response.headers, response.content)
            accepted = 1 if response.status_code == 200 else 0
            assert len(published.published) == before + accepted

        replies_are_gws_and_only_accepted_commands_are_published()


@pytest.mark.slow
async def test_hostile_bodies_urls_and_content_types_get_gws_replies(gateway: Gateway) -> None:
    await asyncio.to_thread(fuzz_bodies, gateway.base_url, gateway.published)
    async with httpx.AsyncClient(base_url=gateway.base_url, timeout=10) as http:
        assert (await http.get("/healthz")).status_code == 200
        reject = await http.post(REJECT["path"], json=REJECT["body"], headers=basic("agent1"))
        assert reject.json() == {"statusCode": 0}


async def post(
    gateway: Gateway, path: str, body: bytes, headers: dict[str, str] | None = None
) -> httpx.Response:
    async with httpx.AsyncClient(base_url=gateway.base_url, timeout=10) as http:
        return await http.post(path, content=body, headers=headers or basic("agent1"))


def assert_refused(response: httpx.Response, status: int, code: int) -> None:
    assert_gws_error(response.status_code, response.headers, response.content)
    assert (response.status_code, response.json()["statusCode"]) == (status, code)


async def test_json_nested_deeper_than_the_parser_goes_is_400_2(gateway: Gateway) -> None:
    response = await post(gateway, REJECT["path"], b"[" * 60_000)  # was 500/4
    assert_refused(response, 400, 2)
    assert "Malformed JSON" in response.json()["statusMessage"]


@pytest.mark.parametrize("handle", ["9" * 5000, str(2**31), "0" * 20 + str(2**31)])
async def test_a_record_handle_past_32_bits_is_400_10(gateway: Gateway, handle: str) -> None:
    body = json.dumps(REJECT["body"]).encode()
    response = await post(gateway, "/api/v2/me/outbound-records/" + handle, body)
    # 5000 digits was 500/4 (int() refuses over 4300 digits), then 400/2; 2**31 was accepted
    assert_refused(response, 400, 10)
    assert "recordHandle" in response.json()["statusMessage"]
    assert gateway.published.published == []


RESCHEDULE = {**REJECT["body"], "operationName": "RescheduleRecord", "callbackType": "Personal"}


@pytest.mark.parametrize(
    ("path", "body", "parameter"),
    [
        (REJECT["path"], {**REJECT["body"], "applicationId": 2**31}, "applicationId"),
        (REJECT["path"], {**REJECT["body"], "applicationId": -1}, "applicationId"),
        ("/api/v2/me/outbound-records", {**ADD_RECORD, "chainId": 2**31}, "chainId"),
        ("/api/v2/me/outbound-records", {**ADD_RECORD, "chainId": 10**400}, "chainId"),
        (REJECT["path"], {**RESCHEDULE, "timestamp": 253402300800}, "timestamp"),
        (REJECT["path"], {**RESCHEDULE, "timestamp": 10**30}, "timestamp"),
    ],
)
async def test_integers_out_of_their_range_are_400_10_and_publish_nothing(
    gateway: Gateway, path: str, body: dict[str, Any], parameter: str
) -> None:
    response = await post(gateway, path, json.dumps(body).encode())
    assert_refused(response, 400, 10)  # each was 200, its command published
    assert parameter in response.json()["statusMessage"]
    assert gateway.published.published == []


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e400"])
async def test_non_finite_numbers_in_other_fields_are_400_2_and_publish_nothing(
    gateway: Gateway, number: str
) -> None:
    body = json.dumps({**ADD_RECORD, "otherFields": {"score": 0}}).encode()
    body = body.replace(b'"score": 0', f'"score": {number}'.encode())
    response = await post(gateway, "/api/v2/me/outbound-records", body)
    # was 200, publishing `"score": null`, which the worker cannot decode (dead letter)
    assert_refused(response, 400, 2)
    assert "otherFields" in response.json()["statusMessage"]
    assert gateway.published.published == []


async def test_a_session_cookie_with_non_ascii_characters_is_401_20(gateway: Gateway) -> None:
    async with httpx.AsyncClient(base_url=gateway.base_url, timeout=10) as http:
        response = await http.post(
            REJECT["path"],
            json=REJECT["body"],
            headers=[(b"Cookie", "GWS_SESSION=e30.sïgnature".encode("latin-1"))],
        )
    assert_refused(response, 401, 20)  # was 500/4: hmac.compare_digest refuses non-ASCII str


@pytest.mark.parametrize(
    "path",
    ["/api/v2/me/outbound-records/", "/api/v2/me/outbound-records/9/", "/api/v2/me/", "/healthz/"],
)
async def test_a_trailing_slash_is_404_6_not_a_redirect(gateway: Gateway, path: str) -> None:
    response = await post(gateway, path, json.dumps(REJECT["body"]).encode())
    assert_refused(response, 404, 6)  # was 307 to the path without the slash, empty body


@pytest.mark.parametrize("content_type", CONTENT_TYPES)
async def test_the_body_is_read_as_json_whatever_its_content_type(
    gateway: Gateway, content_type: str
) -> None:
    headers = {**basic("agent1"), "Content-Type": content_type}
    response = await post(gateway, REJECT["path"], json.dumps(REJECT["body"]).encode(), headers)
    assert response.json() == {"statusCode": 0}


async def exchange(gateway: Gateway, request: bytes) -> bytes:
    """Sends `request` on a fresh connection; everything the server answers until it closes."""
    reader, writer = await asyncio.open_connection("127.0.0.1", gateway.port)
    try:
        writer.write(request)
        await writer.drain()
        async with asyncio.timeout(10):
            return await reader.read()
    finally:
        writer.close()


def raw_post(target: bytes, *extra_headers: bytes, body: bytes = b"") -> bytes:
    credentials = basic("agent1")["Authorization"].encode()
    lines = [b"POST " + target + b" HTTP/1.1", b"Host: 127.0.0.1", b"Connection: close"]
    lines += [b"Authorization: " + credentials, *extra_headers]
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


NOT_HTTP = {
    "a raw non-ASCII byte in the path": raw_post(
        b"/api/v2/me/outbound-records/\xff", b"Content-Length: 0"
    ),
    "Content-Length and chunked": raw_post(
        REJECT["path"].encode(), b"Content-Length: 2", b"Transfer-Encoding: chunked", body=b"{}"
    ),
    "a negative Content-Length": raw_post(REJECT["path"].encode(), b"Content-Length: -1"),
    "not a request line": b"HELLO\r\n\r\n",
}


@pytest.mark.parametrize("request_bytes", NOT_HTTP.values(), ids=NOT_HTTP.keys())
async def test_what_is_not_http_gets_the_servers_400_and_the_gateway_serves_on(
    gateway: Gateway, request_bytes: bytes
) -> None:
    answer = await exchange(gateway, request_bytes)
    assert answer.startswith(b"HTTP/1.1 400 "), answer  # uvicorn's, before the app (documented)
    body = json.dumps(REJECT["body"]).encode()
    valid = await post(gateway, REJECT["path"], body)
    assert valid.json() == {"statusCode": 0}


async def test_a_declared_length_over_the_limit_is_refused_without_waiting_for_the_body(
    gateway: Gateway,
) -> None:
    request = raw_post(REJECT["path"].encode(), b"Content-Length: 10000000000")
    answer = await exchange(gateway, request)  # no body is ever sent
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 413 "), answer
    assert json.loads(body) == {
        "statusCode": 2,
        "statusMessage": "The request body exceeds the limit of 65536 bytes",
    }
