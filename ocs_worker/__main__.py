"""`python -m ocs_worker` serves; `python -m ocs_worker import FILE.csv` loads a calling list."""

import argparse
import asyncio
import json
import logging
import signal
import sys
from pathlib import Path

import uvloop
from pydantic import ValidationError
from tqdm import tqdm  # type: ignore[import-untyped]

from observability import logs
from ocs_worker.calling_list import CallingListError, read_calling_list
from ocs_worker.importer import import_rows
from ocs_worker.service import OcsWorker
from ocs_worker.settings import WorkerSettings
from outbound_contracts.calling_lists import CallingListRules


def main(argv: list[str] | None = None) -> int:
    arguments = _parser().parse_args(argv)
    try:
        settings = WorkerSettings()
    except ValidationError as error:
        print(f"ocs_worker: bad settings: {error}", file=sys.stderr)
        return 2
    if arguments.command == "import":  # a command for people: plain warnings, a progress bar
        logging.basicConfig(level="WARNING", format="%(levelname)s %(name)s: %(message)s")
        return _import(settings, arguments)
    logs.configure(settings.log_level)  # a service: JSON lines, as the gateway and notifier
    # uvloop (as uvicorn gives the gateway and the notifier): aiokafka's futures, callbacks
    # and socket writes cost less per command than on asyncio's own loop.
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(_serve(settings))
    return 0


async def _serve(settings: WorkerSettings) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    await OcsWorker(settings).run(stop)


def _import(settings: WorkerSettings, arguments: argparse.Namespace) -> int:
    path: Path = arguments.file
    given = {
        name: value
        for name in ("time_from", "time_until", "max_attempts")
        if (value := getattr(arguments, name)) is not None
    }
    try:
        from_file = {} if arguments.rules is None else json.loads(arguments.rules.read_text())
        rules = CallingListRules(**(from_file | given)) if from_file or given else None
    except (OSError, ValueError) as error:  # pydantic's ValidationError is a ValueError
        print(f"bad calling-list rules: {error}", file=sys.stderr)
        return 2
    try:
        with path.open(newline="", encoding="utf-8") as lines:
            rows = read_calling_list(lines, arguments.calling_list)
    except OSError as error:
        print(f"{path}: {error.strerror}", file=sys.stderr)
        return 2
    except CallingListError as error:
        for problem in error.problems:
            print(f"{path}: {problem}", file=sys.stderr)
        print(f"{path}: nothing imported", file=sys.stderr)
        return 2
    with tqdm(total=len(rows), unit="row", desc=f"importing {path.name}", file=sys.stderr) as bar:
        try:
            report = asyncio.run(
                import_rows(
                    settings,
                    arguments.application_id,
                    arguments.campaign,
                    rows,
                    bar.update,
                    rules=rules,
                )
            )
        except TimeoutError:
            print("the worker did not confirm every batch in time; is it running?", file=sys.stderr)
            return 1
    for rejection in report.rejected:
        print(f"{path}: line {rejection.line}: skipped: {rejection.reason}", file=sys.stderr)
    print(
        f"imported {report.imported} record(s) into {arguments.application_id}:"
        f"{arguments.campaign}; skipped {len(report.rejected)}"
    )
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m ocs_worker", description=__doc__)
    commands = parser.add_subparsers(dest="command")
    load = commands.add_parser("import", help="import a calling list (CSV) into a campaign")
    load.add_argument("--application-id", type=int, required=True)
    load.add_argument("--campaign", required=True)
    load.add_argument(
        "--calling-list",
        default="CallingList1",
        help="for rows without a calling_list column value (default: CallingList1)",
    )
    load.add_argument(
        "--rules",
        type=Path,
        help="the calling lists' rules as JSON (time_from, time_until, max_attempts, "
        "treatments by call result name); the options below override its fields",
    )
    load.add_argument(
        "--time-from",
        type=int,
        help="the calling lists' daily window opens, s after the contact's midnight (default 0)",
    )
    load.add_argument(
        "--time-until",
        type=int,
        help="the window closes (excluded), s after the contact's midnight (default 86400)",
    )
    load.add_argument(
        "--max-attempts",
        type=int,
        help="a record with this many attempts is not handed out again (default 10); without "
        "any of these options a calling list keeps the rules it has",
    )
    load.add_argument("file", type=Path)
    return parser


if __name__ == "__main__":
    sys.exit(main())
