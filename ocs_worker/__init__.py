"""The Outbound Contact Server record engine: applies `ocs.commands` exactly once."""
