"""The messages the gateway, the OCS worker and the notifier exchange over Kafka, and their
documents: topic names and keys, commands, events, changelog entries and revocations, their
codec, the AsyncAPI document, the released schemas and the compatibility gate.

Depends on pydantic only: an outside consumer can import it without our Kafka clients, web
framework or tracing.
"""
