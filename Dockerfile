# One image for the three services; docker-compose.yml picks the module to run.
FROM python:3.11-slim
WORKDIR /app
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
COPY pyproject.toml uv.lock README.md ./
# The runtime dependencies exactly as locked, every hash checked (uv only exports the list).
RUN pip install --no-cache-dir -q uv==0.13.9 \
    && uv export -q --frozen --no-emit-project -o /tmp/requirements.txt \
    && pip install --no-cache-dir --require-hashes --no-deps -r /tmp/requirements.txt \
    && pip uninstall -y -q uv && rm /tmp/requirements.txt
COPY outbound_contracts outbound_contracts
COPY agent_access agent_access
COPY observability observability
COPY service_settings service_settings
COPY devstack devstack
COPY gateway gateway
COPY ocs_worker ocs_worker
COPY notifier notifier
RUN pip install --no-cache-dir --no-deps .
COPY demo demo
USER 10001
