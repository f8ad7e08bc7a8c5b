"""The contracts the gateway, the OCS worker and the notifier share.

Kafka topic names and keys, the commands and events that cross Kafka, their codec, and the
identity artefacts both HTTP services accept (users file, session token).
"""
