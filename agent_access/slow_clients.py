"""Deadlines for a request's headers and body, in both HTTP services.

uvicorn bounds only the idle time between two requests of a connection (its keep-alive
timeout): a client that opens a connection and sends nothing, dribbles its headers a byte at a
time, or never finishes the body it announced, holds the connection (and a task of the event
loop waiting for that body) for as long as it likes. So the HTTP protocol here is uvicorn's
own (httptools) with two deadlines: from the connection's start, or the next request's first
byte, until its headers end; and from then until its body ends. Past either the client is
answered 408 (in the service's own error format, when no response was started) and the
connection is closed. A held long poll is not affected: its body ended before it was held.
"""

import asyncio

from pydantic import BaseModel, Field
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol


class ClientDeadlineSettings(BaseModel):
    """Mixed into the gateway's and the notifier's settings (each under its own prefix)."""

    request_header_timeout_seconds: float = Field(
        default=10,
        gt=0,
        description="From a connection's start (or a request's first byte) until the request's "
        "headers end; past it: 408 and the connection closed",
    )
    request_body_timeout_seconds: float = Field(
        default=20,
        gt=0,
        description="From the end of a request's headers until the end of its body; past it: "
        "408 and the connection closed",
    )


def timeout_reply(content_type: str, body: bytes) -> bytes:
    """A whole HTTP/1.1 408 response that closes the connection."""
    return (
        b"HTTP/1.1 408 Request Timeout\r\n"
        b"content-type: " + content_type.encode("ascii") + b"\r\n"
        b"content-length: " + str(len(body)).encode("ascii") + b"\r\n"
        b"connection: close\r\n\r\n" + body
    )


def http_protocol(settings: ClientDeadlineSettings, reply: bytes) -> type[HttpToolsProtocol]:
    """uvicorn's `http` protocol class with the deadlines of `settings`; `reply` (a whole
    response, `timeout_reply`) is sent when one passes before a response was started."""

    class DeadlineProtocol(_DeadlineProtocol):
        header_timeout_s = settings.request_header_timeout_seconds
        body_timeout_s = settings.request_body_timeout_seconds
        timeout_response = reply

    return DeadlineProtocol


# After the 408, how long what the client still sends is read and dropped before the socket is
# closed: closed at once with unread data, the kernel would reset the connection, and a client
# still sending (a slowloris) might lose the 408 to the reset.
_LINGER_S = 1.0


class _DeadlineProtocol(HttpToolsProtocol):
    header_timeout_s: float
    body_timeout_s: float
    timeout_response: bytes
    _deadline: asyncio.TimerHandle | None = None
    _reading_headers = False
    _lingering = False

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._reading_headers = True
        self._arm(self.header_timeout_s)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if not self._reading_headers:  # the next request on a kept-alive connection
            self._reading_headers = True
            self._arm(self.header_timeout_s)

    def on_headers_complete(self) -> None:
        super().on_headers_complete()
        self._reading_headers = False
        self._arm(self.body_timeout_s)

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._disarm()

    def data_received(self, data: bytes) -> None:
        if not self._lingering:
            super().data_received(data)

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self, seconds: float) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(seconds, self._expired)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _expired(self) -> None:
        self._deadline = None
        # After a websocket upgrade the connection is another protocol's.
        if self.transport.is_closing() or self.transport.get_protocol() is not self:
            return
        cycle = None if self._reading_headers else self.cycle
        if cycle is None or not cycle.response_started:
            self.transport.write(self.timeout_response)
        if cycle is not None and not cycle.response_complete:
            # The application waiting for the body learns of the end at once (http.disconnect),
            # and whatever it answers later is dropped instead of following our 408.
            cycle.disconnected = True
            cycle.message_event.set()
        if not self.transport.can_write_eof():  # TLS: no half-close
            self.transport.close()
            return
        self._lingering = True
        self.transport.write_eof()
        self.loop.call_later(_LINGER_S, self.transport.close)
