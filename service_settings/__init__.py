"""What every service of ours reads alike from its environment: the broker, the topics, logs
and tracing, under one naming rule (`service_settings.base`)."""
