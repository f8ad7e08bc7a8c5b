"""A CometD session over long-polling (on `requests`) or a websocket (on `websocket-client`),
for Locust's gevent world (the asyncio clients of bench/ and tests/ do not run there):
handshake, subscribe, then a connect loop in a greenlet; each delivered message is handed on
as it arrives. A long-polling session keeps its cookies, among them the balancer's affinity
cookie; a websocket session is one connection."""

import json
from abc import ABC, abstractmethod
from collections.abc import Callable
from itertools import count
from typing import Any, ClassVar, Literal

import gevent
import requests
import websocket

Message = dict[str, Any]
Transport = Literal["long-polling", "websocket"]
# A held connect answers within the notifier's 30 s hold; this bounds a lost reply.
_REPLY_TIMEOUT_S = 75


class BayeuxRefused(RuntimeError):
    """The notifier refused a handshake, subscribe or connect."""


class CometdSession(ABC):
    connection_type: ClassVar[Transport]

    def __init__(self, url: str, authorization: str, on_message: Callable[[Message], None]) -> None:
        self._url = url
        self._authorization = authorization
        self._on_message = on_message
        self._ids = count(1)
        self._client_id = ""
        self._poller: gevent.Greenlet[[], None] | None = None

    def open(self, channels: list[str]) -> None:
        [reply] = self._request(
            "/handshake",
            channel="/meta/handshake",
            version="1.0",
            supportedConnectionTypes=[self.connection_type],
        )
        self._client_id = reply["clientId"]
        for channel in channels:
            self._request("", channel="/meta/subscribe", subscription=channel)
        self._poller = gevent.spawn(self._poll)

    def close(self) -> None:
        if self._poller is not None:
            self._poller.kill()
        if self._client_id:
            self._request("", channel="/meta/disconnect")
        self._hang_up()

    def _poll(self) -> None:
        while True:
            self._request("/connect", channel="/meta/connect", connectionType=self.connection_type)

    def _request(self, suffix: str, **message: Any) -> list[Message]:
        """Sends one message; hands on what was delivered meanwhile; returns the meta replies."""
        if self._client_id:
            message["clientId"] = self._client_id
        replies = self._exchange(suffix, {"id": str(next(self._ids)), **message})
        meta = []
        for reply in replies:
            if not reply["channel"].startswith("/meta/"):
                self._on_message(reply)
            elif not reply.get("successful"):
                raise BayeuxRefused(str(reply))
            else:
                meta.append(reply)
        return meta

    @abstractmethod
    def _exchange(self, suffix: str, message: Message) -> list[Message]:
        """Everything received up to and with the reply to `message`."""

    @abstractmethod
    def _hang_up(self) -> None: ...


class LongPollingSession(CometdSession):
    connection_type = "long-polling"

    def __init__(self, url: str, authorization: str, on_message: Callable[[Message], None]) -> None:
        super().__init__(url, authorization, on_message)
        self._http = requests.Session()
        self._http.headers["Authorization"] = authorization

    def _exchange(self, suffix: str, message: Message) -> list[Message]:
        response = self._http.post(self._url + suffix, json=[message], timeout=_REPLY_TIMEOUT_S)
        response.raise_for_status()
        replies: list[Message] = response.json()
        return replies

    def _hang_up(self) -> None:
        self._http.close()


class WebSocketSession(CometdSession):
    connection_type = "websocket"

    def __init__(self, url: str, authorization: str, on_message: Callable[[Message], None]) -> None:
        super().__init__(url, authorization, on_message)
        self._socket: websocket.WebSocket | None = None

    def _exchange(self, suffix: str, message: Message) -> list[Message]:
        if self._socket is None:
            self._socket = websocket.create_connection(
                self._url.replace("http", "ws", 1),
                header=[f"Authorization: {self._authorization}"],
                timeout=_REPLY_TIMEOUT_S,
            )
        self._socket.send(json.dumps([message]))
        received: list[Message] = []
        while not any(reply.get("id") == message["id"] for reply in received):
            received.extend(json.loads(self._socket.recv()))
        return received

    def _hang_up(self) -> None:
        if self._socket is not None:
            self._socket.close()


SESSIONS: dict[Transport, type[CometdSession]] = {
    "long-polling": LongPollingSession,
    "websocket": WebSocketSession,
}
