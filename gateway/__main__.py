"""`python -m gateway`: serve the GWS v2 Outbound API on the configured host and port."""

import logging
import sys

import uvicorn

from gateway.app import create_app
from gateway.settings import GatewaySettings


def main() -> int:
    settings = GatewaySettings()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level="info")
    return 0


if __name__ == "__main__":
    sys.exit(main())
