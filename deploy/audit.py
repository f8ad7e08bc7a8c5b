"""Audits the locked Python set against PyPI's advisory data: `python -m deploy.audit [FILE]`.

FILE is the requirements list `uv export` writes from `uv.lock` (`make install` leaves it in
`.venv/requirements.txt`). Every `name==version` pin is looked up on PyPI's JSON API; a pin
with a known vulnerability fails the audit (exit 1). pip-audit asks the per-release document
(`/pypi/NAME/VERSION/json`); the registry reachable from our CI answers only the project's
(`/pypi/NAME/json`), whose `vulnerabilities` are those of the latest release. So a pin is
audited from the per-release document when there is one, else from the project's when the
pin is the latest release, and is otherwise reported as not auditable (docs/operations.md).
"""

import argparse
import json
import re
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

PYPI = "https://pypi.org/pypi"
DEFAULT_REQUIREMENTS = Path(".venv/requirements.txt")
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)")

Document = dict[str, Any]
Fetch = Callable[[str], Document | None]


class Verdict(Enum):
    CLEAN = "clean"
    VULNERABLE = "vulnerable"
    NOT_AUDITABLE = "not auditable"


@dataclass(frozen=True)
class Pin:
    name: str
    version: str


@dataclass(frozen=True)
class Finding:
    pin: Pin
    verdict: Verdict
    advisories: tuple[str, ...] = field(default=())
    latest: str | None = None


def read_pins(requirements: str) -> list[Pin]:
    """The `name==version` lines of a requirements file (hash continuation lines skipped)."""
    return [
        Pin(match[1], match[2])
        for line in requirements.splitlines()
        if (match := _PIN.match(line.strip()))
    ]


def judge(pin: Pin, release: Document | None, project: Document | None) -> Finding:
    """A pin's verdict from the per-release document, or else the project's."""
    if release is not None:
        return _from_advisories(pin, release)
    if project is None:
        return Finding(pin, Verdict.NOT_AUDITABLE)
    latest = str(project["info"]["version"])
    if latest != pin.version:
        return Finding(pin, Verdict.NOT_AUDITABLE, latest=latest)
    return _from_advisories(pin, project)


def _from_advisories(pin: Pin, document: Document) -> Finding:
    advisories = tuple(
        f"{entry['id']} (fixed in {', '.join(entry.get('fixed_in') or []) or 'no release'})"
        for entry in document.get("vulnerabilities") or []
        if not entry.get("withdrawn")
    )
    return Finding(pin, Verdict.VULNERABLE if advisories else Verdict.CLEAN, advisories)


def audit(pins: Iterable[Pin], fetch: Fetch) -> list[Finding]:
    def one(pin: Pin) -> Finding:
        release = fetch(f"{PYPI}/{pin.name}/{pin.version}/json")
        project = None if release is not None else fetch(f"{PYPI}/{pin.name}/json")
        return judge(pin, release, project)

    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(one, pins))


def fetch_json(url: str, *, retries: int = 2) -> Document | None:
    """The JSON document at `url`; None when PyPI has none (404). A network failure or a 5xx
    is tried again `retries` times, then raises: an audit that could not ask must not pass."""
    for attempt in range(retries):
        try:
            return _get(url)
        except urllib.error.HTTPError as error:
            if error.code < 500:
                raise
        except urllib.error.URLError:
            pass
        time.sleep(1 + attempt)
    return _get(url)


def _get(url: str) -> Document | None:
    try:
        with urllib.request.urlopen(url, timeout=30) as reply:  # noqa: S310 - PYPI's https URLs
            document: Document = json.load(reply)
            return document
    except urllib.error.HTTPError as error:
        if error.code == 404:
            return None
        raise


def report(findings: list[Finding]) -> str:
    lines = []
    for finding in findings:
        pin = f"{finding.pin.name}=={finding.pin.version}"
        if finding.verdict is Verdict.VULNERABLE:
            lines.append(f"VULNERABLE {pin}: {'; '.join(finding.advisories)}")
        elif finding.verdict is Verdict.NOT_AUDITABLE:
            behind = f" (the latest release is {finding.latest})" if finding.latest else ""
            lines.append(f"not auditable here: {pin}{behind}")
    counts = Counter(finding.verdict for finding in findings)
    lines.append(
        f"{len(findings)} locked packages: "
        + ", ".join(f"{counts[verdict]} {verdict.value}" for verdict in Verdict)
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("requirements", nargs="?", type=Path, default=DEFAULT_REQUIREMENTS)
    arguments = parser.parse_args(argv)
    pins = read_pins(arguments.requirements.read_text())
    if not pins:
        print(f"no pins in {arguments.requirements}", file=sys.stderr)
        return 2
    findings = audit(pins, fetch_json)
    print(report(findings))
    return 1 if any(finding.verdict is Verdict.VULNERABLE for finding in findings) else 0


if __name__ == "__main__":
    sys.exit(main())
