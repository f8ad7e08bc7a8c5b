"""The CometD Java server (the CometD project's own, on Jetty 12): the notifier's second fan-out
baseline, built by Maven once into the cache from bench/cometd-java/."""

import hashlib
import shutil
import subprocess
from pathlib import Path

COMETD_VERSION = "8.0.0"
JETTY_VERSION = "12.0.9"
_PROJECT = Path(__file__).with_name("cometd-java")
_MAIN_CLASS = "bench.CometDServer"


class CometDJavaUnavailable(RuntimeError):
    """The reference server cannot be built here; the message says why."""


def ensure_cometd_java(cache_dir: Path) -> Path:
    """The folder holding the server's jar and its `libs/`, built with Maven on first use."""
    # Absolute: Maven resolves a relative build directory against the POM's folder.
    home = (cache_dir / f"cometd-java-{COMETD_VERSION}-{_source_digest()}").resolve()
    complete = home / ".complete"
    if complete.exists():
        return home
    if shutil.which("mvn") is None or shutil.which("java") is None:
        raise CometDJavaUnavailable("Java 17+ and Maven are needed to build the CometD server")
    shutil.rmtree(home, ignore_errors=True)
    command = [
        "mvn", "-B", "-q", "-f", str(_PROJECT / "pom.xml"), f"-Dcache.dir={home}",
        f"-Dcometd.version={COMETD_VERSION}", f"-Djetty.version={JETTY_VERSION}", "package",
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise CometDJavaUnavailable(
            f"building the CometD {COMETD_VERSION} server with Maven failed:\n{result.stdout}"
        )
    complete.touch()
    return home


def _source_digest() -> str:
    """A changed server or POM is built again, into its own folder."""
    sources = [_PROJECT / "pom.xml", *sorted((_PROJECT / "src").rglob("*.java"))]
    digest = hashlib.sha256(b"".join(source.read_bytes() for source in sources))
    return digest.hexdigest()[:12]


def server_command(home: Path, port: int, control_port: int, path: str) -> list[str]:
    classpath = f"{home / 'cometd-java-bench-server-1.jar'}:{home / 'libs'}/*"
    return ["java", "-cp", classpath, _MAIN_CLASS, str(port), str(control_port), path]
