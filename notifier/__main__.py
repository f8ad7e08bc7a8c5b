"""`python -m notifier` (or `gws-notifier`): serve the CometD endpoint on 127.0.0.1."""

import sys

import uvicorn
from pydantic import ValidationError

from notifier import logs
from notifier.app import create_app
from notifier.settings import NotifierSettings

# Held long polls would otherwise keep a stopping process alive for a whole connect timeout.
_GRACEFUL_SHUTDOWN_S = 2


def main() -> int:
    try:
        settings = NotifierSettings()
    except ValidationError as error:
        print(f"gws-notifier: invalid settings:\n{error}", file=sys.stderr)
        return 2
    logs.configure(settings.log_level)
    config = uvicorn.Config(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_config=None,  # keep our JSON lines; uvicorn's loggers propagate to the root
        timeout_graceful_shutdown=_GRACEFUL_SHUTDOWN_S,
    )
    uvicorn.Server(config).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
