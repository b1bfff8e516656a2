-- Issue 25: stories. One row per story (one real-world event across outlets and days), one row per article
-- saying which story it is in and what the assigner read of it (its signature), and the assigner's shared state.
-- Stories are global like articles: what a workspace sees of a story is only the articles it can see.
CREATE TABLE stories (
    id INTEGER PRIMARY KEY,
    headline TEXT NOT NULL DEFAULT '',
    first_at TEXT,                 -- first and last article time (publication date, else arrival)
    last_at TEXT,
    articles INTEGER NOT NULL DEFAULT 0,
    outlets INTEGER NOT NULL DEFAULT 0,   -- distinct source hosts
    merged_into INTEGER,           -- the merge record: this story went into that one (no FK: copies go in id order)
    merged_at TEXT,
    seq INTEGER NOT NULL DEFAULT 0,       -- the assignment that last changed the row (processes refresh by it)
    created_at TEXT NOT NULL
);
CREATE INDEX stories_live_last ON stories(last_at) WHERE merged_into IS NULL;
CREATE INDEX stories_seq ON stories(seq);

CREATE TABLE article_stories (
    article_id INTEGER PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
    story_id INTEGER NOT NULL REFERENCES stories(id),
    at TEXT NOT NULL,              -- the article's time: publication date, else arrival
    arrived TEXT NOT NULL,
    published TEXT,
    host TEXT,
    seq INTEGER NOT NULL,          -- the assignment that last placed it
    first_seq INTEGER NOT NULL,    -- the assignment that first placed it (counted in document frequencies then)
    sig TEXT NOT NULL
);
CREATE INDEX article_stories_story ON article_stories(story_id, at);
CREATE INDEX article_stories_seq ON article_stories(seq);

-- Rows: seq (the last assignment), swept (articles up to this id all have a story), epoch (rebuilds),
-- df (the document frequencies saved now and then); made on first use, so a copy starts from an empty table.
CREATE TABLE story_state (
    name TEXT PRIMARY KEY,
    value INTEGER NOT NULL DEFAULT 0,
    data TEXT
);

-- Story headlines for /story autocomplete (rowid = story id), kept by the store as headlines change.
CREATE VIRTUAL TABLE stories_fts USING fts5(headline, prefix='1 2 3', tokenize='unicode61 remove_diacritics 2');
