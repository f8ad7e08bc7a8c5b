"""What every service does the same way to be observed: JSON logs and tracing."""
