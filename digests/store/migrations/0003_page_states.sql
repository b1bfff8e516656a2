-- Paged chat replies: the command behind a message's page buttons, so any process (or the same one after a
-- restart) can turn the page. The buttons carry only this row's id and the page.
CREATE TABLE page_states (
    id INTEGER PRIMARY KEY,
    command TEXT NOT NULL,
    args TEXT NOT NULL,
    workspace TEXT NOT NULL,
    channel TEXT NOT NULL,
    user_id TEXT NOT NULL,
    is_admin INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);
