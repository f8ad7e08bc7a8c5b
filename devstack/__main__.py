"""`python -m devstack run [--reset]`: the whole system in the foreground; Ctrl-C stops it."""

import argparse
import sys

from devstack.settings import DevstackSettings
from devstack.stack import provision_only, run_stack


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="devstack", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="broker, topics, services and demo data")
    run.add_argument("--reset", action="store_true", help="start from clean demo state")
    commands.add_parser("topics", help="create the topics on KAFKA_BOOTSTRAP_SERVERS and exit")
    args = parser.parse_args(argv)
    settings = DevstackSettings()
    if args.command == "topics":
        return provision_only(settings)
    return run_stack(settings, reset=args.reset)


if __name__ == "__main__":
    sys.exit(main())
