"""An example consumer of `ocs.events` for another team: it needs only the published contract
(docs/asyncapi.json, or the /asyncapi.json of a gateway with GATEWAY_API_DOCUMENTS_ENABLED), a
Kafka client and a JSON Schema validator; it imports nothing of gws-outbound.

    pip install confluent-kafka jsonschema
    python examples/events_consumer.py --bootstrap-servers 127.0.0.1:19092 --group reporting

It reads in its own consumer group, only committed transactions (the worker writes each batch
of outcomes in one Kafka transaction), validates every event against its message's JSON
Schema, prints one line per outcome, and commits its offsets after printing: at least once.
"""

import argparse
import json
import sys
import urllib.request
from typing import Any

from confluent_kafka import Consumer, KafkaError, Message
from jsonschema import Draft202012Validator


def event_validators(contract: dict[str, Any], topic: str) -> dict[str, Draft202012Validator]:
    """The JSON Schema of every message the contract lists on the events topic, by `type`."""
    [channel] = [c for c in contract["channels"].values() if c["address"] == topic]
    messages = contract["components"]["messages"]
    validators = {}
    for reference in channel["messages"].values():
        message = messages[reference["$ref"].rsplit("/", 1)[1]]
        validators[message["name"]] = Draft202012Validator(message["payload"]["schema"])
    return validators


def describe(event: dict[str, Any]) -> str:
    """One line per outcome."""
    kind = event["type"]
    if kind == "RecordsImported":
        return (
            f"RecordsImported {event['application_id']}:{event['campaign_name']} "
            f"imported={event['imported']} rejected={len(event['rejected'])}"
        )
    detail = (
        f"notification={event['notification_type']}"
        if kind == "UserEventRaised"
        else f"error={event['error_code']} {event['error_message']!r}"
    )
    return f"{kind} user={event['user_name']} command={event['command_id']} {detail}"


def consume(arguments: argparse.Namespace) -> int:
    validators = event_validators(load_contract(arguments.contract), "ocs.events")
    consumer = Consumer(
        {
            "bootstrap.servers": arguments.bootstrap_servers,
            "group.id": arguments.group,
            "isolation.level": "read_committed",
            "enable.auto.commit": False,
            "auto.offset.reset": "earliest",
        }
    )
    consumer.subscribe([arguments.topic])
    seen = 0
    try:
        while arguments.max_messages is None or seen < arguments.max_messages:
            message = consumer.poll(1.0)
            if message is None:
                continue
            error = message.error()
            if error is not None:
                if error.code() == KafkaError._PARTITION_EOF:
                    continue
                print(f"kafka error: {error}", file=sys.stderr)
                return 1
            handle(message, validators)
            consumer.commit(message=message, asynchronous=False)
            seen += 1
    finally:
        consumer.close()
    return 0


def handle(message: Message, validators: dict[str, Draft202012Validator]) -> None:
    where = f"{message.topic()}/{message.partition()}@{message.offset()}"
    try:
        event = json.loads(message.value() or b"null")  # a null value (tombstone): skipped
        validator = validators.get(event.get("type"))
    except (TypeError, ValueError, AttributeError) as error:
        print(f"{where}: not a JSON object, skipped: {error}", file=sys.stderr)
        return
    if validator is None:
        # A message type newer than our copy of the contract: additive, so skip it.
        print(f"{where}: unknown type {event.get('type')!r}, skipped", file=sys.stderr)
        return
    problems = sorted(validator.iter_errors(event), key=str)
    if problems:
        print(f"{where}: invalid {event['type']}: {problems[0].message}", file=sys.stderr)
        return
    print(describe(event), flush=True)


def load_contract(location: str) -> dict[str, Any]:
    if location.startswith(("http://", "https://")):
        with urllib.request.urlopen(location, timeout=10) as response:  # noqa: S310 - the user's URL
            contract: dict[str, Any] = json.load(response)
            return contract
    with open(location, encoding="utf-8") as document:
        loaded: dict[str, Any] = json.load(document)
        return loaded


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bootstrap-servers", default="127.0.0.1:19092")
    parser.add_argument("--group", required=True, help="your team's own consumer group")
    parser.add_argument("--topic", default="ocs.events", help="with the deployment's prefix")
    parser.add_argument(
        "--contract",
        default="docs/asyncapi.json",
        help="the AsyncAPI document: a file, or a gateway's http://HOST:PORT/asyncapi.json",
    )
    parser.add_argument("--max-messages", type=int, help="stop after this many (default: never)")
    return consume(parser.parse_args())


if __name__ == "__main__":
    sys.exit(main())
