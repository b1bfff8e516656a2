-- One row for each live post a channel got, however many stories it held: the live rate limit counts a
-- channel's rows of the last minute, so the limit holds from one round to the next, across a restart and
-- across processes sharing the database (it was kept in one process's memory and reset by a restart).
CREATE TABLE IF NOT EXISTS live_sends (
    id INTEGER PRIMARY KEY,
    workspace TEXT NOT NULL,
    channel TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS live_sends_at ON live_sends(workspace, channel, at);

-- Stories a channel's rate limit holds back, waiting for a later round: kept here, not in memory, so a restart
-- (or another process) posts them once the minute has passed, even when their feed has nothing new by then.
CREATE TABLE IF NOT EXISTS live_held (
    workspace TEXT NOT NULL,
    channel TEXT NOT NULL,
    article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    subscription_id INTEGER NOT NULL,
    outlet TEXT NOT NULL,
    link TEXT,
    since TEXT,
    PRIMARY KEY (workspace, channel, article_id, subscription_id)
);
