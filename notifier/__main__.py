"""`python -m notifier` (or `gws-notifier`): serve the CometD endpoint on 127.0.0.1."""

import socket
import sys

import uvicorn
from fastapi import FastAPI
from pydantic import ValidationError

from agent_access.client_addresses import proxy_options
from agent_access.slow_clients import http_protocol, timeout_reply
from notifier.app import Notifier, create_app
from notifier.settings import NotifierSettings
from observability import logs

# Held long polls would otherwise keep a stopping process alive for a whole connect timeout.
_GRACEFUL_SHUTDOWN_S = 2
_TIMEOUT_REPLY = timeout_reply(
    "application/json", b'[{"successful":false,"error":"408::Request not received in time"}]'
)


class _Server(uvicorn.Server):
    """Ends every session as shutdown begins. The lifespan's shutdown runs only after the
    grace period, when uvicorn has already cut the held long polls; answered now, they tell
    their clients `402` with `reconnect: "handshake"`."""

    def __init__(self, config: uvicorn.Config, notifier: Notifier) -> None:
        super().__init__(config)
        self._notifier = notifier

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        self._notifier.end_all_sessions("shutdown")
        await super().shutdown(sockets)


def main() -> int:
    try:
        settings = NotifierSettings()
    except ValidationError as error:
        print(f"gws-notifier: invalid settings:\n{error}", file=sys.stderr)
        return 2
    logs.configure(settings.log_level)
    app = create_app(settings)
    _Server(server_config(settings, app), app.state.notifier).run()
    return 0


def server_config(settings: NotifierSettings, app: FastAPI) -> uvicorn.Config:
    certificate, key = settings.tls or (None, None)
    return uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        ssl_certfile=certificate,
        ssl_keyfile=key,
        http=http_protocol(settings, _TIMEOUT_REPLY),
        **proxy_options(settings),
        log_config=None,  # keep our JSON lines; uvicorn's loggers propagate to the root
        timeout_graceful_shutdown=_GRACEFUL_SHUTDOWN_S,
        ws_per_message_deflate=settings.websocket_compression,
        # A frame is read whole before any check of ours: past the limit the server closes
        # the socket (1009) instead of buffering up to uvicorn's default of 16 MiB.
        ws_max_size=settings.max_request_bytes,
    )


if __name__ == "__main__":
    sys.exit(main())
