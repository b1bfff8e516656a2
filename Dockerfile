# newsbot: one image for every bot process; installs from the package registries only.
FROM python:3.11-slim
WORKDIR /app
ENV PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY digests ./digests
COPY bench ./bench
RUN pip install . && useradd --create-home newsbot
USER newsbot
# NEWSBOT_DATABASE_URL, DISCORD_TOKEN and the shard settings come from the environment (see compose.yaml).
ENTRYPOINT ["newsbot"]
CMD ["run"]
