"""Prometheus's own linter for an exposition: `promtool check metrics` (Debian's `prometheus`
package, installed by `make test`)."""

import shutil
import subprocess


def promtool_problems(exposition: str) -> str:
    """What `promtool check metrics` objects to; empty when it is content."""
    promtool = shutil.which("promtool")
    assert promtool is not None, "promtool is missing: `make test` installs it (apt prometheus)"
    checked = subprocess.run(
        [promtool, "check", "metrics"],
        input=exposition,
        capture_output=True,
        text=True,
        check=False,
    )
    return (checked.stdout + checked.stderr).strip() if checked.returncode else ""
