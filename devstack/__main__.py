"""`python -m devstack run [--reset] [--brokers N]`: the whole system in the foreground; Ctrl-C
stops it."""

import argparse
import sys

from devstack.settings import DevstackSettings
from devstack.stack import provision_only, run_stack
from devstack.topics import ReplicationRefused, TopicsMismatch


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="devstack", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="broker, topics, services and demo data")
    run.add_argument("--reset", action="store_true", help="start from clean demo state")
    run.add_argument(
        "--brokers",
        type=int,
        help="run a cluster of N KRaft nodes (3: replication factor 3, min ISR 2)",
    )
    commands.add_parser("topics", help="create the topics on KAFKA_BOOTSTRAP_SERVERS and exit")
    args = parser.parse_args(argv)
    settings = DevstackSettings()
    if getattr(args, "brokers", None) is not None:
        settings = DevstackSettings(brokers=args.brokers)
    try:
        if args.command == "topics":
            return provision_only(settings)
        return run_stack(settings, reset=args.reset)
    except (TopicsMismatch, ReplicationRefused) as refused:
        print(f"devstack: {refused}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
