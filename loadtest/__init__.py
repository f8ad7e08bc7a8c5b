"""Containerized load testing with Locust (docs/load-testing.md): agent desktops that sign in,
hold a CometD session and post record operations at a configured rate."""
