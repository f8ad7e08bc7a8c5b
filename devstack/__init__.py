"""Runs the whole system on one machine: a genuine Kafka broker from Maven Central's jars,
its topics, the three services and the demo data."""
