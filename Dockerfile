# One production image for every service; the command picks the service (the chart sets it per component):
#   docker build -t ghcr.io/example/billing-portal:0.1.0 .
#   docker run --rm -e PORTAL_ENV=production -e PORTAL_SECRET_KEY=... IMAGE python -m services.billing
# Only the runtime set (requirements.txt) is installed; tests, dev tools and local servers stay out.

# --- build: compilers are here only, for any dependency without a wheel for this platform ---------------------
FROM python:3.11-slim-bookworm AS build
RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential \
    && rm -rf /var/lib/apt/lists/*
RUN python -m venv /opt/venv
COPY requirements.txt /tmp/requirements.txt
RUN /opt/venv/bin/pip install --no-cache-dir --disable-pip-version-check -r /tmp/requirements.txt
WORKDIR /app
COPY libs/ libs/
COPY services/ services/
# Tests stay out of the image (.dockerignore keeps them out of the context too), and the code is compiled now:
# the root filesystem is read-only at run time.
RUN find libs services -type d -name tests -prune -exec rm -rf {} + \
    && /opt/venv/bin/python -m compileall -q /opt/venv libs services

# --- runtime: the interpreter, the virtual environment, the code, the PDF fonts; no compilers --------------------
FROM python:3.11-slim-bookworm AS runtime
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 portal \
    && useradd --system --uid 10001 --gid portal --no-create-home --shell /usr/sbin/nologin portal
COPY --from=build /opt/venv /opt/venv
COPY --from=build /app /app
WORKDIR /app
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONPATH=/app:/app/libs \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PORTAL_ENV=production
# The numeric id, so that Kubernetes' runAsNonRoot can check it (the chart runs as 10001 too).
USER 10001:10001
CMD ["python", "-m", "services.gateway"]
