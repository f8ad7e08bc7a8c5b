"""What `make run` shows in a terminal: one short line per notable event, the rest in files."""

import json
import os
from pathlib import Path

import pytest

from devstack.console import follow, summary


def entry(logger: str, msg: str, level: str = "info", **context: object) -> str:
    fields = {"ts": "2026-12-01T03:00:00.000Z", "level": level, "logger": logger, "msg": msg}
    return json.dumps({**fields, **context}) + "\n"


def test_our_events_are_one_line_with_their_context() -> None:
    line = entry("gateway.routes", "accepted", user="agent1", operation="RejectRecord")
    assert summary(line) == "accepted user=agent1 operation=RejectRecord"


def test_library_chatter_is_hidden_but_its_warnings_are_not() -> None:
    assert summary(entry("aiokafka.consumer.group_coordinator", "Joined group")) is None
    assert summary(entry("uvicorn.error", "Started server process")) is None
    warning = entry("aiokafka.conn", "Unable to connect", level="warning")
    assert summary(warning) == "WARNING Unable to connect"


def test_a_traceback_is_pointed_to_and_long_lines_are_cut() -> None:
    failed = entry("ocs_worker.partition", "transaction failed", level="error", exc="Traceback…")
    assert summary(failed) == "ERROR transaction failed (traceback in the log file)"
    shown = summary(entry("notifier.bayeux", "handshake", client_id="x" * 300))
    assert shown is not None
    assert len(shown) == 160
    assert shown.endswith("…")


def test_lines_that_are_not_json_are_shown_as_they_are() -> None:
    assert summary("Traceback (most recent call last):\n") == "Traceback (most recent call last):"
    assert summary("\n") is None


def test_follow_keeps_every_line_in_the_file_and_shows_the_notable_ones(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    read_end, write_end = os.pipe()
    lines = [entry("aiokafka", "chatter"), entry("notifier.sessions", "session ended", user="a")]
    with os.fdopen(write_end, "wb") as writer:
        writer.write("".join(lines).encode())
    with os.fdopen(read_end, "rb") as reader:
        follow("notifier", reader, tmp_path / "notifier.log").join(timeout=10)
    assert (tmp_path / "notifier.log").read_text() == "".join(lines)
    assert capsys.readouterr().out == "  notifier | session ended user=a\n"
