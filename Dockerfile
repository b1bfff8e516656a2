# newsbot: one image for every bot process (SQLite in the data volume, or PostgreSQL), from PyPI only.
# Build: docker build -t newsbot .   Run: see compose.yaml (SQLite) and compose.postgres.yaml (PostgreSQL, shards).
FROM python:3.11.13-slim-bookworm

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app

# Dependencies first, pinned by constraints.txt (the lock `make` uses too): a change to the code rebuilds only
# the layers below, not this one.
COPY pyproject.toml constraints.txt ./
RUN python -c "import tomllib; p = tomllib.load(open('pyproject.toml', 'rb'))['project']; print('\n'.join(p['dependencies'] + p['optional-dependencies']['container'] + ['setuptools', 'wheel']))" > /tmp/requirements.txt \
    && pip install --no-cache-dir -c constraints.txt -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

# The code; tests, benchmarks and docs are not shipped (.dockerignore).
COPY README.md ./
COPY bot ./bot
COPY digests ./digests
RUN pip install --no-cache-dir --no-deps --no-build-isolation . \
    && rm -rf bot digests build ./*.egg-info \
    && useradd --system --uid 10001 --user-group --home-dir /app --shell /usr/sbin/nologin newsbot \
    && mkdir -p /app/data \
    && chown newsbot:newsbot /app/data

# The SQLite database (data/newsbot.db, the default path) lives in this volume, writable by the bot's user.
VOLUME ["/app/data"]
USER 10001:10001

# The bot runs without a terminal; the health endpoint answers inside the container (HEALTHCHECK below).
ENV NEWSBOT_CONSOLE=off \
    NEWSBOT_HEALTH_PORT=8080 \
    NEWSBOT_HEALTH_HOST=127.0.0.1
# Slack's HTTP mode (SLACK_HTTP_PORT); put an HTTPS reverse proxy in front of it (docs/slack.md).
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 CMD ["newsbot", "health"]

# dumb-init runs as PID 1: it forwards SIGTERM to newsbot (which stops cleanly) and reaps any child process.
STOPSIGNAL SIGTERM
ENTRYPOINT ["dumb-init", "--", "newsbot"]
CMD ["run"]
