"""A CometD session over long-polling on `requests`, for Locust's gevent world (the asyncio
clients of bench/ and tests/ do not run there): handshake, subscribe, then a connect loop in a
greenlet that hands each delivered message on. The session keeps its cookies, among them the
balancer's affinity cookie."""

from collections.abc import Callable
from itertools import count
from typing import Any

import gevent
import requests

Message = dict[str, Any]


class BayeuxRefused(RuntimeError):
    """The notifier refused a handshake, subscribe or connect."""


class LongPollingSession:
    def __init__(self, url: str, authorization: str, on_message: Callable[[Message], None]) -> None:
        self._url = url
        self._http = requests.Session()
        self._http.headers["Authorization"] = authorization
        self._on_message = on_message
        self._ids = count(1)
        self._client_id = ""
        self._poller: gevent.Greenlet[[], None] | None = None

    def open(self, channels: list[str]) -> None:
        [reply] = self._send(
            "/handshake",
            channel="/meta/handshake",
            version="1.0",
            supportedConnectionTypes=["long-polling"],
        )
        self._client_id = reply["clientId"]
        for channel in channels:
            self._send("", channel="/meta/subscribe", subscription=channel)
        self._poller = gevent.spawn(self._poll)

    def close(self) -> None:
        if self._poller is not None:
            self._poller.kill()
        if self._client_id:
            self._send("", channel="/meta/disconnect")
        self._http.close()

    def _poll(self) -> None:
        while True:
            replies = self._send("/connect", channel="/meta/connect", connectionType="long-polling")
            for reply in replies:
                if reply["channel"] != "/meta/connect":
                    self._on_message(reply)

    def _send(self, suffix: str, **message: Any) -> list[Message]:
        if self._client_id:
            message["clientId"] = self._client_id
        response = self._http.post(
            self._url + suffix, json=[{"id": str(next(self._ids)), **message}], timeout=75
        )
        response.raise_for_status()
        replies: list[Message] = response.json()
        for reply in replies:
            if reply["channel"].startswith("/meta/") and not reply.get("successful"):
                raise BayeuxRefused(str(reply))
        return replies
