"""The AsyncAPI 3.0 document of the topics, generated from the contract models.

`docs/asyncapi.json` is its output, committed (`python -m outbound_contracts.asyncapi` writes
it); a test keeps the two equal and validates the document with the AsyncAPI parser; the
gateway serves it at `/asyncapi.json`."""

import functools
import json
import sys
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from outbound_contracts.schemas import MESSAGES, JsonSchema, message_schema, schema_version
from outbound_contracts.topics import (
    COMMANDS,
    DEAD_LETTER,
    DEAD_LETTER_PARTITIONS,
    DEFAULT_COMMAND_PARTITIONS,
    DEFAULT_EVENT_PARTITIONS,
    EVENTS,
    MIN_INSYNC_REPLICAS,
    RECORDS_CHANGELOG,
    REPLICATION_FACTOR,
    SESSION_REVOCATIONS,
    SESSION_REVOCATIONS_PARTITIONS,
    TOPIC_CONFIGS,
    WRITERS,
)
from outbound_contracts.trace_headers import TRACE_HEADERS

DOCUMENT = Path(__file__).resolve().parent.parent / "docs" / "asyncapi.json"
SCHEMA_FORMAT = "application/schema+json;version=draft-2020-12"
KAFKA_BINDING = "0.5.0"

_KEYS: dict[str, JsonSchema] = {
    COMMANDS: {
        "type": "string",
        "pattern": "^-?[0-9]+:.+$",
        "description": "`{applicationId}:{campaignName}`: a campaign's commands (and its state) "
        "share a partition, so one worker owns it and applies them in order",
    },
    EVENTS: {
        "type": "string",
        "description": "The user name of the agent the outcome is for, so that an agent's "
        "outcomes stay in order; `RecordsImported`: the campaign key `{applicationId}:"
        "{campaignName}`",
    },
    RECORDS_CHANGELOG: {
        "type": "string",
        "pattern": "^-?[0-9]+:.+:(campaign|record:[0-9]+|session:.+|dnc:.+)$",
        "description": "One key per entity, `{applicationId}:{campaignName}:campaign`, "
        "`...:record:{recordHandle}`, `...:session:{userName}`, `...:dnc:{phone}`: compaction "
        "keeps each entity's latest state",
    },
    DEAD_LETTER: {"description": "The original message's key, byte for byte"},
    SESSION_REVOCATIONS: {
        "type": "string",
        "description": "The revoked token's id (`token_id`): one entry per token after compaction",
    },
}

_PURPOSE = {
    COMMANDS: "Commands accepted by the gateway (and the calling-list loader), one per GWS "
    "operation. Written with acks=all by an idempotent producer; the broker stamps each with "
    "its append time, by which the worker judges the command's deadline (`accept_by_ns`).",
    EVENTS: "What OCS tells the desktop about each command, written by the worker in the same "
    "Kafka transaction as its changelog entries and consumer offset: read it with "
    "`isolation.level=read_committed`, or you will see outcomes of aborted transactions.",
    RECORDS_CHANGELOG: "The worker's state, one entry per entity (compacted): the latest "
    "value of every campaign, record, preview session and do-not-call phone. Partition N is "
    "the state of `ocs.commands` partition N. Written transactionally: read_committed.",
    DEAD_LETTER: "Commands the worker did not apply, copied byte for byte, the reason in the "
    "headers: undecodable, keyed to another campaign, appended past their deadline, or failing "
    "the engine. Written in the worker's transaction: read_committed.",
    SESSION_REVOCATIONS: "Session cookies ended before their expiry (a sign-out), written "
    "by the gateway with acks=all before it answers; every gateway and notifier reads the "
    "topic from the beginning and refuses each token until its `expires`. Compacted by token, "
    "and deleted after the retention, which outlasts every session.",
}

_PARTITIONS = {
    COMMANDS: DEFAULT_COMMAND_PARTITIONS,
    EVENTS: DEFAULT_EVENT_PARTITIONS,
    RECORDS_CHANGELOG: DEFAULT_COMMAND_PARTITIONS,
    DEAD_LETTER: DEAD_LETTER_PARTITIONS,
    SESSION_REVOCATIONS: SESSION_REVOCATIONS_PARTITIONS,
}

_DEAD_LETTER_HEADERS: JsonSchema = {
    "type": "object",
    "required": ["reason", "source-topic", "source-partition", "source-offset"],
    "properties": {
        "reason": {"type": "string", "description": "Why the worker did not apply it"},
        "source-topic": {"type": "string"},
        "source-partition": {"type": "string", "pattern": "^[0-9]+$"},
        "source-offset": {"type": "string", "pattern": "^[0-9]+$"},
    },
}


@functools.cache
def asyncapi_document() -> dict[str, Any]:
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    for topic, models in MESSAGES.items():
        channel_id = _identifier(topic)
        names = [model.__name__ for model in models] or ["DeadLetter"]
        for model in models:
            messages[model.__name__] = _message(topic, model)
        if not models:
            messages["DeadLetter"] = _dead_letter()
        channels[channel_id] = {
            "address": topic,
            "description": _PURPOSE[topic],
            "messages": {name: {"$ref": f"#/components/messages/{name}"} for name in names},
            "bindings": {"kafka": _topic_binding(topic)},
        }
        operations[f"send{channel_id[0].upper()}{channel_id[1:]}"] = {
            "action": "send",
            "description": f"Written by {' and '.join(WRITERS[topic])} only: on an "
            "authenticated cluster no other service's Kafka user may write the topic "
            "(docs/operations.md).",
            "x-writers": list(WRITERS[topic]),
            "channel": {"$ref": f"#/channels/{channel_id}"},
            "messages": [{"$ref": f"#/channels/{channel_id}/messages/{name}"} for name in names],
        }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "GWS Outbound on Kafka",
            "version": "1.0.0",
            "description": "The topics between the gateway, the OCS worker and the notifier, "
            "as a published contract for other teams. Every value is UTF-8 JSON whose `type` "
            "names its message (the discriminator); each message's payload is a JSON Schema "
            "2020-12 document. How to consume them and how they evolve: docs/contract.md.",
            "license": {"name": "Apache-2.0"},
        },
        "defaultContentType": "application/json",
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages},
    }


def _message(topic: str, model: type[BaseModel]) -> dict[str, Any]:
    message: dict[str, Any] = {
        "name": model.__name__,
        "title": model.__name__,
        "summary": (model.__doc__ or model.__name__).strip().splitlines()[0],
        "contentType": "application/json",
        "payload": {"schemaFormat": SCHEMA_FORMAT, "schema": message_schema(model)},
        "bindings": {"kafka": {"key": _KEYS[topic], "bindingVersion": KAFKA_BINDING}},
        "x-discriminator": {"propertyName": "type", "value": model.__name__},
        "x-schema-version": schema_version(model),
    }
    if topic in (COMMANDS, EVENTS):
        message["headers"] = TRACE_HEADERS
    return message


def _dead_letter() -> dict[str, Any]:
    return {
        "name": "DeadLetter",
        "title": "DeadLetter",
        "summary": "A command the worker did not apply, byte for byte",
        "contentType": "application/octet-stream",
        "headers": _DEAD_LETTER_HEADERS,
        "payload": {"description": "The original value, whatever it was (maybe not JSON)"},
        "bindings": {"kafka": {"key": _KEYS[DEAD_LETTER], "bindingVersion": KAFKA_BINDING}},
    }


def _topic_binding(topic: str) -> dict[str, Any]:
    configs = TOPIC_CONFIGS[topic]
    configuration: dict[str, Any] = {
        "cleanup.policy": configs.get("cleanup.policy", "delete").split(","),
        "x-message.timestamp.type": configs.get("message.timestamp.type", "CreateTime"),
    }
    if "retention.ms" in configs:
        configuration["retention.ms"] = int(configs["retention.ms"])
    # As provisioned on a cluster of three brokers or more (one broker: 1 and 1).
    configuration["x-min.insync.replicas"] = MIN_INSYNC_REPLICAS
    return {
        "topic": topic,
        "partitions": _PARTITIONS[topic],
        "replicas": REPLICATION_FACTOR,
        "topicConfiguration": configuration,
        "bindingVersion": KAFKA_BINDING,
    }


def _identifier(topic: str) -> str:
    """`ocs.records-changelog` -> `recordsChangelog`."""
    words = topic.removeprefix("ocs.").split("-")
    return words[0] + "".join(word.capitalize() for word in words[1:])


def render() -> str:
    return json.dumps(asyncapi_document(), indent=2) + "\n"


if __name__ == "__main__":
    DOCUMENT.write_text(render())
    sys.exit(0)
