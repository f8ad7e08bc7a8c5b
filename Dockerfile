# One image for the three services; docker-compose.yml picks the module to run.
FROM python:3.11-slim
WORKDIR /app
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
COPY pyproject.toml README.md ./
COPY outbound_contracts outbound_contracts
COPY devstack devstack
COPY gateway gateway
COPY ocs_worker ocs_worker
COPY notifier notifier
RUN pip install --no-cache-dir .
COPY demo demo
USER 10001
