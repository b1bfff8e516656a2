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
