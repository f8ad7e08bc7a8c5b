"""What `make run` shows of its services. In a terminal: one short line per notable event,
prefixed by the service, while each service's full JSON log goes to its file; elsewhere (CI,
containers) the services write their JSON lines to stdout themselves, as before."""

import json
import sys
import threading
from pathlib import Path
from typing import IO, Any

OUR_LOGGERS = ("gateway", "notifier", "ocs_worker", "agent_access", "observability")
"""Their info lines are events (a command accepted, a session opened); a library's are not."""
_NOTABLE_LEVELS = {"warning", "error", "critical"}
_NOT_CONTEXT = {"ts", "level", "logger", "msg", "exc", "taskName"}
_LINE_LIMIT = 160
_NAME_WIDTH = 10


def summary(line: str) -> str | None:
    """The readable form of one log line; None for one nobody needs to see scroll by."""
    text = line.rstrip()
    try:
        entry: Any = json.loads(text)
    except ValueError:
        return _shortened(text) or None  # a crash's traceback, a print: always shown
    if not isinstance(entry, dict):
        return _shortened(text)
    level = str(entry.get("level", "info")).lower()
    logger = str(entry.get("logger", ""))
    ours = logger.split(".", maxsplit=1)[0] in OUR_LOGGERS
    if level not in _NOTABLE_LEVELS and not (ours and level == "info"):
        return None
    context = " ".join(f"{key}={value}" for key, value in entry.items() if key not in _NOT_CONTEXT)
    prefix = "" if level == "info" else f"{level.upper()} "
    exc = " (traceback in the log file)" if "exc" in entry else ""
    return _shortened(f"{prefix}{entry.get('msg', '')} {context}".rstrip() + exc)


def _shortened(text: str) -> str:
    return text if len(text) <= _LINE_LIMIT else text[: _LINE_LIMIT - 1] + "…"


def follow(service: str, output: IO[bytes], log_file: Path) -> threading.Thread:
    """Copies every line of a service's `output` to `log_file` and shows its summary, until
    the service closes its output (it ended)."""

    def pump() -> None:
        with log_file.open("ab") as log:
            for raw in output:
                log.write(raw)
                log.flush()
                shown = summary(raw.decode(errors="replace"))
                if shown is not None:
                    print(f"{service:>{_NAME_WIDTH}} | {shown}", flush=True)

    thread = threading.Thread(target=pump, name=f"log {service}", daemon=True)
    thread.start()
    return thread


def is_terminal() -> bool:
    return sys.stdout.isatty()
