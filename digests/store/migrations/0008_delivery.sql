-- Issue 28: what happened to each item a subscription brought (the delivery log behind /feeds why), and a feed's
-- last failure kept as history after it recovers.
ALTER TABLE sources ADD COLUMN last_failure TEXT;
ALTER TABLE sources ADD COLUMN last_failure_at TEXT;

-- One row per item and channel and what became of it (posted, folded, merged, filtered, too old, duplicate, the
-- silent baseline, left for the digest). Rows older than the retention are pruned; subscriptions and articles
-- may go away while their rows stay readable, so neither is a foreign key.
CREATE TABLE delivery_log (
    id INTEGER PRIMARY KEY,
    workspace TEXT NOT NULL,
    channel TEXT NOT NULL,
    subscription_id INTEGER,
    feed_url TEXT NOT NULL DEFAULT '',
    article_id INTEGER,
    item_key TEXT NOT NULL DEFAULT '',
    item_url TEXT,
    item_title TEXT NOT NULL DEFAULT '',
    published TEXT,
    outcome TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '',
    related_article_id INTEGER,
    at TEXT NOT NULL
);
CREATE INDEX delivery_log_channel ON delivery_log(workspace, channel, at);
CREATE INDEX delivery_log_article ON delivery_log(workspace, channel, article_id);
CREATE INDEX delivery_log_key ON delivery_log(workspace, item_key);
CREATE INDEX delivery_log_at ON delivery_log(at);
