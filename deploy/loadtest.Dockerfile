# The load-test image (docs/load-testing.md): Locust and the loadtest package, nothing else.
FROM python:3.11-slim
WORKDIR /loadtest
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
# Versions as in pyproject.toml's `loadtest` extra.
RUN pip install --no-cache-dir "locust==2.47.0" "pydantic-settings>=2.3" "websocket-client>=1.8"
COPY loadtest loadtest
USER 10001
ENTRYPOINT ["locust", "-f", "loadtest/locustfile.py"]
