"""The GWS v2 Outbound HTTP API: authenticates agents, validates requests, durably publishes
commands to Kafka."""
