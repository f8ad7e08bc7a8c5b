"""The two Bayeux transports on one path: long-polling (HTTP POST) and websocket."""

import asyncio
import contextlib
import functools
import json
import logging
import math
import secrets
from typing import Any, NoReturn

from starlette.requests import ClientDisconnect
from starlette.requests import Request as HttpRequest
from starlette.responses import Response
from starlette.websockets import WebSocket, WebSocketDisconnect

from agent_access.origins import OriginPolicy, lacks_origin_and_marker
from agent_access.session import SESSION_COOKIE
from notifier.anonymous_sockets import Admission, AnonymousSockets
from notifier.bayeux import Bayeux, PendingConnect, Request
from notifier.metrics import NotifierMetrics
from notifier.sessions import Message

# Tells tabs of one browser apart from browsers, for the `multiple-clients` advice.
BROWSER_COOKIE = "BAYEUX_BROWSER"
# Replies echo `id`, `ext` and `data`. A value nested almost as deep as the parser accepts
# cannot be encoded back (the encoder recurses from a deeper stack), so such batches are refused.
MAX_NESTING = 64
ORIGIN_REFUSED = "403::Origin not allowed"
UNMARKED_COOKIE_REFUSED = "403::A request signed in by cookie needs Origin or X-Requested-With"

log = logging.getLogger(__name__)


class BadBatch(ValueError):
    """A request body that is not a Bayeux message or a JSON array of them."""


def parse_batch(payload: str | bytes) -> list[Any]:
    try:
        decoded = json.loads(payload, parse_constant=_not_json, parse_float=_finite_float)
    except (ValueError, UnicodeDecodeError, RecursionError) as error:
        raise BadBatch(f"400::Malformed JSON: {error}") from error
    if not isinstance(decoded, dict | list):
        raise BadBatch("400::Expected a message or an array of messages")
    if _could_nest_deeper_than(payload, MAX_NESTING) and _nested_deeper_than(decoded, MAX_NESTING):
        raise BadBatch(f"400::Nested deeper than {MAX_NESTING} levels")
    return [decoded] if isinstance(decoded, dict) else decoded


def render(replies: list[Message]) -> str:
    """Replies as JSON text. ASCII-only, so that a lone surrogate echoed from a request (JSON
    allows `"\\ud800"`) goes back escaped instead of failing to encode as UTF-8."""
    return json.dumps(replies, separators=(",", ":"))


def _not_json(constant: str) -> NoReturn:
    raise ValueError(f"{constant} is not JSON")


def _could_nest_deeper_than(payload: str | bytes, limit: int) -> bool:
    """Nesting is at most the number of opening brackets: a count in C spares ordinary
    batches the walk below."""
    if isinstance(payload, bytes):
        return payload.count(b"[") + payload.count(b"{") > limit
    return payload.count("[") + payload.count("{") > limit


def _nested_deeper_than(value: object, limit: int) -> bool:
    """Iterative, so that the check itself cannot hit Python's recursion limit."""
    pending: list[tuple[object, int]] = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        children = list(item.values()) if isinstance(item, dict) else item
        if isinstance(children, list):
            if depth > limit:
                return True
            pending.extend((child, depth + 1) for child in children)
    return False


def _finite_float(number: str) -> float:
    """A JSON number as a float; one too large for a float (`1e400`) could not be echoed."""
    value = float(number)
    if not math.isfinite(value):
        raise ValueError(f"{number} is out of range")
    return value


class OriginGuard:
    """Refuses, logs and counts requests from pages the `OriginPolicy` does not allow."""

    def __init__(self, policy: OriginPolicy, metrics: NotifierMetrics) -> None:
        self._policy = policy
        self._metrics = metrics

    def refuses(self, transport: str, origin: str | None, host: str | None) -> bool:
        if self._policy.allows(origin, host):
            return False
        self._metrics.origins_refused.labels(transport).inc()
        log.warning("origin refused", extra={"transport": transport, "origin": origin})
        return True

    def refuses_unmarked_cookie(self, request: HttpRequest) -> bool:
        """A long-poll POST (each one changes a session, the handshake opens one) signed in by
        the session cookie alone, with neither `Origin` nor `X-Requested-With` (CSRF)."""
        if SESSION_COOKIE not in request.cookies or not lacks_origin_and_marker(request.headers):
            return False
        self._metrics.origins_refused.labels("long-polling").inc()
        log.warning("cookie request without Origin or X-Requested-With refused")
        return True


class LongPolling:
    def __init__(
        self,
        bayeux: Bayeux,
        guard: OriginGuard,
        *,
        max_request_bytes: int,
        cookie_path: str,
        cookies_secure: bool,
    ) -> None:
        self._bayeux = bayeux
        self._guard = guard
        self._max_request_bytes = max_request_bytes
        self._cookie_path = cookie_path
        self._cookies_secure = cookies_secure

    async def handle(self, request: HttpRequest) -> Response:
        headers = request.headers
        if self._guard.refuses("long-polling", headers.get("origin"), headers.get("host")):
            return _refusal(403, ORIGIN_REFUSED)
        if self._guard.refuses_unmarked_cookie(request):
            return _refusal(403, UNMARKED_COOKIE_REFUSED)
        try:
            body = await self._read_body(request)
        except ClientDisconnect:  # the client left, or its body's deadline passed
            return _refusal(400, "400::The connection ended before the request body")
        if body is None:
            return _refusal(413, f"413::Batch larger than {self._max_request_bytes} bytes")
        try:
            batch = parse_batch(body)
        except BadBatch as error:
            return _refusal(400, str(error))
        browser_id = request.cookies.get(BROWSER_COOKIE)
        new_browser = browser_id is None
        context = Request(
            transport="long-polling",
            authorization=request.headers.get("authorization"),
            session_token=request.cookies.get(SESSION_COOKIE),
            browser_id=browser_id or secrets.token_urlsafe(12),
            client_address=request.client.host if request.client else None,
        )
        replies, pending = await self._bayeux.handle(batch, context)
        if pending is not None:
            await pending.future
            replies.extend(pending.finish())
        response = Response(render(replies), media_type="application/json")
        if new_browser and context.browser_id is not None:
            response.set_cookie(
                BROWSER_COOKIE,
                context.browser_id,
                path=self._cookie_path,
                httponly=True,
                secure=self._cookies_secure,
            )
        return response

    async def _read_body(self, request: HttpRequest) -> bytes | None:
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self._max_request_bytes:
            return None
        body = bytearray()
        async for chunk in request.stream():
            body.extend(chunk)
            if len(body) > self._max_request_bytes:
                return None
        return bytes(body)


class WebSocketTransport:
    """One socket may carry several sessions' messages; held connect replies are written by a
    single writer so frames never interleave. A socket is accepted before any credential, so
    until a handshake on it succeeds it is one of its address's `anonymous` sockets and must
    hand-shake in time; a frame past the request limit never reaches here (the server closes
    the socket, 1009: `ws_max_size` in `__main__`)."""

    def __init__(self, bayeux: Bayeux, guard: OriginGuard, anonymous: AnonymousSockets) -> None:
        self._bayeux = bayeux
        self._guard = guard
        self._anonymous = anonymous

    async def handle(self, websocket: WebSocket) -> None:
        headers = websocket.headers
        if self._guard.refuses("websocket", headers.get("origin"), headers.get("host")):
            await websocket.close(code=1008)  # before accept: the server answers the upgrade 403
            return
        address = websocket.client.host if websocket.client else None
        admission = self._anonymous.admit(address)
        if admission is None:
            log.warning("websocket refused: too many not hand-shaken", extra={"address": address})
            await websocket.close(code=1008)  # the upgrade is answered 403
            return
        try:
            await websocket.accept()
            await self._serve(websocket, admission)
        except TimeoutError:
            log.info("websocket closed: no handshake in time", extra={"address": address})
            await websocket.close(code=1008)
        finally:
            admission.end()

    async def _serve(self, websocket: WebSocket, admission: Admission) -> None:
        context = Request(
            transport="websocket",
            authorization=websocket.headers.get("authorization"),
            session_token=websocket.cookies.get(SESSION_COOKIE),
            client_address=admission.address,
        )
        handshake_by = asyncio.get_running_loop().time() + self._anonymous.handshake_timeout_s
        writer = FrameWriter(websocket)
        parked: set[asyncio.Future[None]] = set()
        try:
            while (
                frame := await _receive(websocket, handshake_by if admission.anonymous else None)
            ) is not None:
                try:
                    batch = parse_batch(frame)
                except BadBatch as error:
                    writer.send([_error_message(str(error))])
                    continue
                replies, pending = await self._bayeux.handle(batch, context)
                if _hand_shaken(replies):
                    admission.end()
                if replies:
                    writer.send(replies)
                if pending is not None:
                    parked.add(pending.future)
                    pending.future.add_done_callback(
                        functools.partial(_send_when_done, pending, writer, parked)
                    )
        finally:
            for future in list(parked):
                future.cancel()
            await writer.close()


def _hand_shaken(replies: list[Message]) -> bool:
    return any(
        reply.get("channel") == "/meta/handshake" and reply.get("successful") is True
        for reply in replies
    )


class FrameWriter:
    """Writes reply batches to a websocket in order, from a task that exists only while some
    wait: an idle socket holding a connect keeps no task and no queue (a task and an
    `asyncio.Queue` cost ~4 KiB a socket, docs/performance.md, round 2)."""

    def __init__(self, websocket: WebSocket) -> None:
        self._websocket = websocket
        self._waiting: list[list[Message]] = []
        self._task: asyncio.Task[None] | None = None

    def send(self, replies: list[Message]) -> None:
        self._waiting.append(replies)
        if self._task is None:
            self._task = asyncio.create_task(self._write())

    async def close(self) -> None:
        task, self._task = self._task, None
        self._waiting.clear()
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _write(self) -> None:
        try:
            while self._waiting:
                replies = self._waiting.pop(0)
                try:
                    await self._websocket.send_text(render(replies))
                except (WebSocketDisconnect, RuntimeError, OSError):
                    self._waiting.clear()
                    return  # the reader sees the close and cleans up
        finally:
            if self._task is asyncio.current_task():
                self._task = None


def _send_when_done(
    pending: PendingConnect,
    writer: FrameWriter,
    parked: set[asyncio.Future[None]],
    future: asyncio.Future[None],
) -> None:
    parked.discard(future)
    if not future.cancelled():
        writer.send(pending.finish())


async def _receive(websocket: WebSocket, deadline: float | None) -> str | bytes | None:
    """The next frame, or None once the socket closed; `TimeoutError` past `deadline` (the
    event loop's time)."""
    try:
        async with asyncio.timeout_at(deadline):
            message = await websocket.receive()
    except WebSocketDisconnect:
        return None
    if message["type"] == "websocket.disconnect":
        return None
    text: str | None = message.get("text")
    return text if text is not None else message.get("bytes") or b""


def _error_message(error: str) -> Message:
    return {"successful": False, "error": error}


def _refusal(status: int, error: str) -> Response:
    return Response(render([_error_message(error)]), status, media_type="application/json")
