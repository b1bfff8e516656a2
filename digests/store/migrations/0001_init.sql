-- Articles are global and stored once; workspaces see them through workspace_articles.
CREATE TABLE sources (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('feed', 'url', 'file')),
    url TEXT NOT NULL UNIQUE,
    title TEXT,
    etag TEXT,
    last_modified TEXT,
    health TEXT NOT NULL DEFAULT 'ok' CHECK (health IN ('ok', 'failing', 'failed')),
    last_error TEXT,
    failures INTEGER NOT NULL DEFAULT 0,
    last_fetch TEXT,
    last_success TEXT,
    next_fetch TEXT,
    interval_s INTEGER NOT NULL DEFAULT 900,
    announced_health TEXT NOT NULL DEFAULT 'ok',
    created_at TEXT NOT NULL
);

CREATE TABLE articles (
    id INTEGER PRIMARY KEY,
    url TEXT,
    guid TEXT,
    source_id INTEGER REFERENCES sources(id) ON DELETE SET NULL,
    content_hash TEXT NOT NULL UNIQUE,
    minhash BLOB NOT NULL,
    title TEXT NOT NULL,
    author TEXT,
    text TEXT NOT NULL,
    published TEXT,
    fetched TEXT NOT NULL,
    summary TEXT NOT NULL DEFAULT '',
    analyzed INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX articles_published ON articles(published);

-- MinHash LSH buckets: articles sharing a bucket are near-duplicate candidates.
CREATE TABLE article_bands (
    key INTEGER NOT NULL,
    article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    PRIMARY KEY (key, article_id)
) WITHOUT ROWID;
CREATE INDEX article_bands_article ON article_bands(article_id);

-- Every URL and feed GUID an article was seen under, so variants and re-publications dedup to one row.
CREATE TABLE article_keys (
    key TEXT PRIMARY KEY,
    article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE INDEX article_keys_article ON article_keys(article_id);

CREATE TABLE workspace_articles (
    workspace TEXT NOT NULL,
    article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    via TEXT NOT NULL,
    added_at TEXT NOT NULL,
    PRIMARY KEY (workspace, article_id)
) WITHOUT ROWID;
CREATE INDEX workspace_articles_article ON workspace_articles(article_id);
CREATE INDEX workspace_articles_added ON workspace_articles(workspace, added_at);

CREATE TABLE subscriptions (
    id INTEGER PRIMARY KEY,
    workspace TEXT NOT NULL,
    channel TEXT NOT NULL,
    source_id INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
    paused INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    UNIQUE (workspace, channel, source_id)
);
CREATE INDEX subscriptions_source ON subscriptions(source_id);

CREATE TABLE speakers (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    key TEXT NOT NULL UNIQUE,
    last_key TEXT NOT NULL
);
CREATE INDEX speakers_last_key ON speakers(last_key);

CREATE TABLE speaker_aliases (
    speaker_id INTEGER NOT NULL REFERENCES speakers(id) ON DELETE CASCADE,
    alias TEXT NOT NULL,
    PRIMARY KEY (speaker_id, alias)
) WITHOUT ROWID;

CREATE TABLE speaker_roles (
    speaker_id INTEGER NOT NULL REFERENCES speakers(id) ON DELETE CASCADE,
    role TEXT NOT NULL,
    article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    seen TEXT,
    PRIMARY KEY (speaker_id, role, article_id)
) WITHOUT ROWID;

-- Which speakers a workspace can see, with counts: autocomplete reads only this table.
CREATE TABLE workspace_speakers (
    workspace TEXT NOT NULL,
    speaker_id INTEGER NOT NULL REFERENCES speakers(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    quote_count INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (workspace, speaker_id)
) WITHOUT ROWID;
CREATE INDEX workspace_speakers_name ON workspace_speakers(workspace, name COLLATE NOCASE);

CREATE TABLE quotes (
    id INTEGER PRIMARY KEY,
    article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    speaker_id INTEGER REFERENCES speakers(id) ON DELETE SET NULL,
    quote TEXT NOT NULL,
    start INTEGER NOT NULL,
    "end" INTEGER NOT NULL,
    role TEXT,
    cue TEXT,
    mention TEXT,
    is_key INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX quotes_article ON quotes(article_id);
CREATE INDEX quotes_speaker ON quotes(speaker_id, article_id);

CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    date_start TEXT NOT NULL,
    date_end TEXT NOT NULL,
    granularity TEXT NOT NULL,
    expression TEXT NOT NULL,
    text TEXT NOT NULL,
    start INTEGER NOT NULL,
    "end" INTEGER NOT NULL,
    entities TEXT NOT NULL DEFAULT ''
);
CREATE INDEX events_article ON events(article_id);

CREATE VIRTUAL TABLE articles_fts USING fts5(
    title, text, content='articles', content_rowid='id', tokenize='unicode61 remove_diacritics 2'
);
CREATE VIRTUAL TABLE quotes_fts USING fts5(
    quote, speaker, content='', tokenize='unicode61 remove_diacritics 2'
);
CREATE VIRTUAL TABLE events_fts USING fts5(
    text, entities, content='events', content_rowid='id', tokenize='unicode61 remove_diacritics 2'
);

CREATE TABLE schedules (
    id INTEGER PRIMARY KEY,
    workspace TEXT NOT NULL,
    channel TEXT NOT NULL,
    spec TEXT NOT NULL,
    cron TEXT NOT NULL,
    timezone TEXT NOT NULL,
    notify_empty INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    UNIQUE (workspace, channel, cron, timezone)
);

-- The delivery ledger: a window is claimed before posting, so it is never posted twice.
CREATE TABLE digest_runs (
    id INTEGER PRIMARY KEY,
    schedule_id INTEGER NOT NULL REFERENCES schedules(id) ON DELETE CASCADE,
    window_start TEXT NOT NULL,
    window_end TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('claimed', 'posted', 'empty', 'failed')),
    late INTEGER NOT NULL DEFAULT 0,
    claimed_at TEXT NOT NULL,
    finished_at TEXT,
    message_ids TEXT,
    error TEXT,
    UNIQUE (schedule_id, window_start)
);
CREATE INDEX digest_runs_schedule ON digest_runs(schedule_id, window_end);
