"""Fetches Apache Kafka's broker and tools jars from Maven Central into a local cache, once."""

import shutil
import subprocess
from pathlib import Path

KAFKA_VERSION = "4.3.1"
_POM = Path(__file__).with_name("kafka-pom.xml")
_COPY_DEPENDENCIES = "org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies"


class KafkaUnavailable(RuntimeError):
    """No broker can be started here: say how to get one."""


def ensure_kafka_libs(cache_dir: Path, version: str = KAFKA_VERSION) -> Path:
    """The folder of jars for `version`, fetched with Maven on first use."""
    # Absolute: Maven resolves a relative output directory against the POM's folder.
    libs = (cache_dir / f"kafka-{version}" / "libs").resolve()
    complete = libs.parent / ".complete"
    if complete.exists():
        return libs
    if shutil.which("mvn") is None or shutil.which("java") is None:
        raise KafkaUnavailable(
            "Java 17+ and Maven are needed to fetch the Kafka broker; install them, or set "
            "KAFKA_BOOTSTRAP_SERVERS to use a broker you run yourself."
        )
    shutil.rmtree(libs, ignore_errors=True)
    command = [
        "mvn", "-B", "-q", "-f", str(_POM), f"-Dkafka.version={version}",
        _COPY_DEPENDENCIES, "-DincludeScope=runtime", f"-DoutputDirectory={libs}",
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise KafkaUnavailable(f"fetching Kafka {version} with Maven failed:\n{result.stdout}")
    _check_single_slf4j(libs)
    complete.touch()
    return libs


def _check_single_slf4j(libs: Path) -> None:
    apis = sorted(jar.name for jar in libs.glob("slf4j-api-*.jar"))
    if len(apis) != 1 or not apis[0].startswith("slf4j-api-1.7."):
        raise KafkaUnavailable(f"expected one slf4j-api 1.7.x in {libs}, found {apis}")
