# syntax=docker/dockerfile:1
# eCandidat's image: one image for the web server, the worker and the scheduler
# (compose.yaml, docs/deployment.md). The default command is the web server.
#
#   docker build -t ecandidat .
#   docker run --env-file deploy/env.example -p 8000:8000 ecandidat

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# --- build: the virtualenv, from the lock file ------------------------------------------
FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
COPY requirements.lock /tmp/requirements.lock
# Every package is pinned in the lock file, dependencies included: nothing else is resolved.
RUN /opt/venv/bin/pip install --no-deps -r /tmp/requirements.lock

# --- runtime ----------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime
# WeasyPrint (application PDFs, letters): Pango, HarfBuzz's subsetter and a font;
# pysaml2 signs and verifies with xmlsec1; scripts/backup.sh and restore_drill.sh use the
# PostgreSQL client (Debian 12: version 15, as compose.yaml's server).
# Not pinned: the release's security updates are wanted at each build.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core xmlsec1 \
        postgresql-client \
    && rm -rf /var/lib/apt/lists/*
RUN groupadd --system --gid 10001 ecandidat \
    && useradd --system --uid 10001 --gid ecandidat --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin ecandidat

COPY --from=build /opt/venv /opt/venv
WORKDIR /app
# The code belongs to root: the application can read it, not change it.
COPY . /app

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    DEBUG=false \
    STATIC_ROOT=/app/static \
    VAR_DIR=/var/lib/ecandidat

# At build time, once: static files (hashed names, compressed, served by whitenoise), the
# compiled message catalogues, the bytecode. The key only lets the settings load here.
RUN SECRET_KEY=build-only-not-a-secret python manage.py collectstatic --noinput -v 0 \
    && SECRET_KEY=build-only-not-a-secret python manage.py compile_translations \
    && python -m compileall -q ecandidat \
    && mkdir -p /var/lib/ecandidat \
    && chown ecandidat:ecandidat /var/lib/ecandidat

# Numeric, so that a runtime refusing root (runAsNonRoot) can check it.
USER 10001:10001
EXPOSE 8000
# Liveness only: a database outage must not get the container restarted (/readyz is for
# the load balancer, docs/deployment.md).
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
    CMD ["python", "/app/deploy/healthcheck.py", "/healthz"]
# The web server: gunicorn (gunicorn.conf.py, 0.0.0.0:8000), draining on SIGTERM.
# The worker and the scheduler run the same image with another command (compose.yaml).
CMD ["/app/deploy/run-web.sh"]
