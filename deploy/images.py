"""Builds every image the compose files need from Debian's packages, Maven Central and PyPI
alone, with no container registry: `python -m deploy.images [--engine docker] [NAME ...]`.

A Debian base from debootstrap, stand-ins for `python:3.11-slim` and `apache/kafka:4.3.1` on
it (only where the real image is absent), HAProxy from Debian's package, then the app and
load-test images from their Dockerfiles. The base is made again only when its inputs change
(a hash kept in a label); the others lean on the engine's layer cache.
"""

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from devstack.kafka_dist import KAFKA_VERSION, ensure_kafka_libs

REPO = Path(__file__).resolve().parent.parent
DEPLOY = REPO / "deploy"
CACHE_DIR = Path(os.environ.get("DEVSTACK_CACHE_DIR", REPO / ".cache"))
BASE = "gws-outbound/debian:bookworm"
PYTHON = "python:3.11-slim"
KAFKA = f"apache/kafka:{KAFKA_VERSION}"
HAPROXY = "gws-outbound/haproxy:local"
APP = "gws-outbound:local"
LOADTEST = "gws-outbound/loadtest:local"
INPUTS_LABEL = "org.gws-outbound.inputs"
STAND_IN_LABEL = "org.gws-outbound.stand-in"
DEBIAN_MIRROR = os.environ.get("DEBIAN_MIRROR", "http://deb.debian.org/debian")
BASE_RECIPE = "bookworm minbase ca-certificates,netbase,tzdata; cleaned; v1"
"""Change with any change to how `build_base` makes the base, so that it is made again."""
HOST_CAS = Path("/usr/local/share/ca-certificates")
"""Extra CAs of the build host (a site's TLS-intercepting proxy, say), trusted inside too."""

_SOURCES = """\
Types: deb
URIs: {mirror}
Suites: bookworm bookworm-updates
Components: main

Types: deb
URIs: {mirror}-security
Suites: bookworm-security
Components: main
"""
_APT_CLEAN = """\
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
"""
_DPKG_EXCLUDES = """\
path-exclude=/usr/share/doc/*
path-include=/usr/share/doc/*/copyright
path-exclude=/usr/share/man/*
path-exclude=/usr/share/locale/*
path-exclude=/usr/share/info/*
"""


@dataclass(frozen=True)
class Engine:
    command: str

    def run(self, *args: str, stdin: bytes | None = None) -> str:
        result = subprocess.run(  # noqa: S603
            [self.command, *args],
            input=stdin,
            capture_output=True,
            check=False,
            env={**os.environ, "DOCKER_BUILDKIT": "0"},
        )
        if result.returncode != 0:
            output = (result.stdout + result.stderr).decode(errors="replace")
            raise SystemExit(f"{self.command} {' '.join(args[:2])} failed:\n{output}")
        return result.stdout.decode(errors="replace")

    def label(self, image: str, label: str) -> str | None:
        """The image's label, "" when it has none; None when there is no such image."""
        template = f'{{{{index .Config.Labels "{label}"}}}}'
        probe = subprocess.run(  # noqa: S603
            [self.command, "image", "inspect", "--format", template, image],
            capture_output=True,
            text=True,
            check=False,
        )
        if probe.returncode != 0:
            return None
        return probe.stdout.strip().replace("<no value>", "")

    def build(self, tag: str, context: Path, dockerfile: Path, *labels: str) -> None:
        label_args = [arg for label in labels for arg in ("--label", label)]
        self.run("build", "-q", "-t", tag, "-f", str(dockerfile), *label_args, str(context))

    def size_mb(self, image: str) -> int:
        return int(self.run("image", "inspect", "--format", "{{.Size}}", image)) // 10**6


def digest(*parts: bytes) -> str:
    hashed = hashlib.sha256()
    for part in parts:
        hashed.update(hashlib.sha256(part).digest())
    return hashed.hexdigest()[:16]


def host_cas() -> list[Path]:
    return sorted(HOST_CAS.glob("*.crt")) if HOST_CAS.is_dir() else []


def build_base(engine: Engine) -> None:
    recipe = (BASE_RECIPE, DEBIAN_MIRROR, _SOURCES, _APT_CLEAN, _DPKG_EXCLUDES)
    inputs = digest(*(part.encode() for part in recipe), *(ca.read_bytes() for ca in host_cas()))
    if engine.label(BASE, INPUTS_LABEL) == inputs:
        return
    if shutil.which("debootstrap") is None:
        raise SystemExit("debootstrap is needed for the Debian base (apt-get install debootstrap)")
    with tempfile.TemporaryDirectory(prefix="gws-rootfs-", dir=CACHE_DIR) as workdir:
        root = Path(workdir)
        debootstrap = [
            "debootstrap", "--variant=minbase", "--include=ca-certificates,netbase,tzdata",
            "bookworm", str(root), DEBIAN_MIRROR,
        ]  # fmt: skip
        subprocess.run(debootstrap, check=True, capture_output=True)  # noqa: S603
        (root / "etc/apt/sources.list.d/debian.sources").write_text(
            _SOURCES.format(mirror=DEBIAN_MIRROR)
        )
        (root / "etc/dpkg/dpkg.cfg.d/excludes").write_text(_DPKG_EXCLUDES)
        (root / "etc/apt/apt.conf.d/docker-clean").write_text(_APT_CLEAN)
        local_cas = root / "usr/local/share/ca-certificates"
        local_cas.mkdir(parents=True, exist_ok=True)
        for ca in host_cas():
            shutil.copy(ca, local_cas / ca.name)
        subprocess.run(  # noqa: S603
            ["chroot", str(root), "update-ca-certificates"],  # noqa: S607
            check=True,
            capture_output=True,
        )
        for bulky in ("var/cache/apt", "var/lib/apt/lists", "usr/share/doc", "usr/share/man",
                      "usr/share/locale", "usr/share/info"):  # fmt: skip
            shutil.rmtree(root / bulky, ignore_errors=True)
            (root / bulky).mkdir(parents=True)
        # openjdk's postinst puts links here.
        (root / "usr/share/man/man1").mkdir()
        archive = subprocess.run(  # noqa: S603
            ["tar", "--numeric-owner", "-C", str(root), "-c", "."],  # noqa: S607
            check=True, capture_output=True,
        ).stdout  # fmt: skip
    engine.run(
        "import",
        "--change", f"LABEL {INPUTS_LABEL}={inputs}",
        "--change", 'CMD ["bash"]',
        "--change", "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "-", BASE,
        stdin=archive,
    )  # fmt: skip


def stand_in_wanted(engine: Engine, image: str) -> bool:
    """False when `image` is the real one (from a registry): that is never replaced."""
    return engine.label(image, STAND_IN_LABEL) in (None, "true")


def build_python(engine: Engine) -> None:
    if stand_in_wanted(engine, PYTHON):
        engine.build(
            PYTHON, DEPLOY / "python", DEPLOY / "python/Dockerfile", f"{STAND_IN_LABEL}=true"
        )


def build_kafka(engine: Engine) -> None:
    if not stand_in_wanted(engine, KAFKA):
        return
    libs = ensure_kafka_libs(CACHE_DIR)
    context = CACHE_DIR / "images" / "kafka-context"
    shutil.rmtree(context, ignore_errors=True)
    shutil.copytree(DEPLOY / "kafka", context)
    shutil.copytree(libs, context / "libs", copy_function=os.link)
    engine.build(KAFKA, context, context / "Dockerfile", f"{STAND_IN_LABEL}=true")


def build_haproxy(engine: Engine) -> None:
    engine.build(HAPROXY, DEPLOY / "haproxy", DEPLOY / "haproxy/Dockerfile")


def build_app(engine: Engine) -> None:
    engine.build(APP, REPO, REPO / "Dockerfile")


def build_loadtest(engine: Engine) -> None:
    engine.build(LOADTEST, REPO, DEPLOY / "loadtest.Dockerfile")


BUILDS: dict[str, tuple[str, Callable[[Engine], None]]] = {
    "base": (BASE, build_base),
    "python": (PYTHON, build_python),
    "kafka": (KAFKA, build_kafka),
    "haproxy": (HAPROXY, build_haproxy),
    "app": (APP, build_app),
    "loadtest": (LOADTEST, build_loadtest),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", default=os.environ.get("CONTAINER_ENGINE", "docker"))
    parser.add_argument("names", nargs="*", metavar="NAME", help=f"of {', '.join(BUILDS)}")
    arguments = parser.parse_args()
    if unknown := set(arguments.names) - set(BUILDS):
        parser.error(f"no such image: {', '.join(sorted(unknown))}")
    engine = Engine(arguments.engine)
    CACHE_DIR.mkdir(exist_ok=True)
    for name in arguments.names or list(BUILDS):
        image, build = BUILDS[name]
        began = time.monotonic()
        build(engine)
        took = time.monotonic() - began
        print(f"{image:32} {engine.size_mb(image):5d} MB  {took:5.1f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
