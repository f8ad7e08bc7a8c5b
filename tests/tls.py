"""Certificates for the TLS tests, made on the fly: a test CA and a leaf for 127.0.0.1."""

import ssl
from dataclasses import dataclass
from pathlib import Path

import trustme


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
