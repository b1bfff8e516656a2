-- Issue 16: per-subscription delivery (mode, filters, format), alerts, schedule layouts, the live ledger.
CREATE TABLE subscription_options (
    subscription_id INTEGER PRIMARY KEY REFERENCES subscriptions(id) ON DELETE CASCADE,
    mode TEXT NOT NULL DEFAULT 'digest' CHECK (mode IN ('digest', 'live')),
    filters TEXT NOT NULL DEFAULT '[]',
    template TEXT,
    live_since TEXT
);

CREATE TABLE alerts (
    id INTEGER PRIMARY KEY,
    workspace TEXT NOT NULL,
    channel TEXT NOT NULL,
    keyword TEXT NOT NULL,
    mention TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (workspace, channel, keyword, mention)
);

CREATE TABLE schedule_options (
    schedule_id INTEGER PRIMARY KEY REFERENCES schedules(id) ON DELETE CASCADE,
    layout TEXT NOT NULL DEFAULT 'message' CHECK (layout IN ('message', 'thread'))
);

-- Every article a channel's live delivery has handled (posted, folded, filtered, merged or baseline): the row
-- is claimed before posting, so an article is posted at most once per channel.
CREATE TABLE live_posts (
    workspace TEXT NOT NULL,
    channel TEXT NOT NULL,
    article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    state TEXT NOT NULL,
    at TEXT NOT NULL,
    PRIMARY KEY (workspace, channel, article_id)
);
CREATE INDEX live_posts_at ON live_posts(workspace, channel, at);
