"""The notifier: a Bayeux/CometD server delivering each agent's outbound outcomes to it."""
