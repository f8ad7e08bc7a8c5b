"""`python -m gateway` (or `gws-gateway`): serve the GWS v2 Outbound API on the configured host
and port; `python -m gateway add-user ...`: add or update a user in the users file."""

import argparse
import json
import sys

import uvicorn
from fastapi import FastAPI
from pydantic import ValidationError

from agent_access.client_addresses import proxy_options
from agent_access.slow_clients import http_protocol, timeout_reply
from gateway import heap
from gateway.app import create_app
from gateway.settings import GatewaySettings
from gateway.users_file import add_user, add_user_parser
from observability import logs

_TIMEOUT_REPLY = timeout_reply(
    "application/json",
    json.dumps({"statusCode": 2, "statusMessage": "The request was not received in time"}).encode(),
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="gws-gateway", description=__doc__)
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("serve", help="serve the API (the default)")
    add_user_parser(commands.add_parser("add-user", help="add or update a user"))
    arguments = parser.parse_args(argv)
    if arguments.command == "add-user":
        return add_user(arguments)
    return serve()


def serve() -> int:
    try:
        settings = GatewaySettings()
    except ValidationError as error:
        print(f"gws-gateway: invalid settings:\n{error}", file=sys.stderr)
        return 2
    logs.configure(settings.log_level)
    config = server_config(settings, create_app(settings))
    heap.settle()
    uvicorn.Server(config).run()
    return 0


def server_config(settings: GatewaySettings, app: FastAPI) -> uvicorn.Config:
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
        access_log=False,  # one line per command is logged by the gateway itself
    )


if __name__ == "__main__":
    sys.exit(main())
