"""Certificates for the TLS tests, made on the fly: a test CA and a leaf for 127.0.0.1."""

import asyncio
import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import trustme
import uvicorn


@dataclass(frozen=True)
class TlsFiles:
    certificate: Path
    key: Path
    authority: trustme.CA

    def client_context(self) -> ssl.SSLContext:
        """What a client that trusts the test CA uses."""
        context = ssl.create_default_context()
        self.authority.configure_trust(context)
        return context


def make_tls_files(directory: Path) -> TlsFiles:
    authority = trustme.CA()
    leaf = authority.issue_cert("127.0.0.1")
    certificate, key = directory / "cert.pem", directory / "key.pem"
    for blob in leaf.cert_chain_pems:
        with certificate.open("ab") as chain:
            chain.write(blob.bytes())
    leaf.private_key_pem.write_to_path(str(key))
    return TlsFiles(certificate, key, authority)


@asynccontextmanager
async def serving(config: uvicorn.Config) -> AsyncIterator[None]:
    """Serves `config` (as the service's `main` builds it) until the block ends."""
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    try:
        async with asyncio.timeout(30):
            while not server.started:
                if task.done():
                    task.result()
                await asyncio.sleep(0.02)
        yield
    finally:
        server.should_exit = True
        await task
